package rerender.diffusion;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import rerender.diffusion.clip.ClipTextModel;
import rerender.tensor.Compute;
import rerender.tensor.Tensor;
import rerender.tensor.kernels.Parallel;

class ClipTextModelTest {
    @ParameterizedTest
    @ValueSource(strings = {"fp32", "fp16"})
    void lastHiddenStateMatchesReference(String precision) {
        try (Fixture f = new Fixture("clip"); Parallel p = new Parallel(2)) {
            ClipTextModel clip = new ClipTextModel(
                    TinyModels.sd(precision).sub("cond_stage_model.transformer.text_model"), TinyModels.config());
            int[] flat = f.ints("input_ids");
            int[][] ids = new int[2][77];
            for (int b = 0; b < 2; b++) {
                System.arraycopy(flat, b * 77, ids[b], 0, 77);
            }
            Tensor out = clip.forward(new Compute(p), ids);
            Fixture.assertClose("clip " + precision, out, f.tensor("last_hidden_state"), 1e-4);
        }
    }
}
