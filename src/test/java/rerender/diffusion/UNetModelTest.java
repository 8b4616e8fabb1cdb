package rerender.diffusion;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import rerender.diffusion.unet.UNetModel;
import rerender.tensor.Compute;
import rerender.tensor.Tensor;
import rerender.tensor.kernels.Parallel;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UNetModelTest {
    static UNetModel load(String precision) {
        return new UNetModel(TinyModels.sd(precision).sub("model.diffusion_model"), TinyModels.config());
    }

    @ParameterizedTest
    @ValueSource(strings = {"fp32", "fp16"})
    void epsMatchesReference(String precision) {
        try (Fixture f = new Fixture("unet"); Parallel p = new Parallel(2)) {
            Compute c = new Compute(p);
            UNetModel unet = load(precision);
            Map<String, Tensor> seen = new HashMap<>();
            Tensor eps0 = unet.forward(c, f.tensor("case0.x"), f.ints("case0.t"), f.tensor("context"), null,
                    seen::put);
            for (String k : new String[] {"time_embed", "input_blocks.0", "input_blocks.1", "input_blocks.2",
                    "input_blocks.3", "middle_block", "output_blocks.0", "output_blocks.1", "output_blocks.2",
                    "output_blocks.3"}) {
                Fixture.assertClose(precision + " " + k, seen.get(k), f.tensor("case0.debug." + k), 1e-4);
            }
            Fixture.assertClose(precision + " case0", eps0, f.tensor("case0.eps"), 1e-4);
            Tensor eps1 = unet.forward(c, f.tensor("case1.x"), f.ints("case1.t"), f.tensor("context"), null);
            Fixture.assertClose(precision + " case1 (non-square)", eps1, f.tensor("case1.eps"), 1e-4);
            Tensor epsB = unet.forward(c, f.tensor("batch2.x"), f.ints("batch2.t"), f.tensor("batch2.context"), null);
            Fixture.assertClose(precision + " batch2", epsB, f.tensor("batch2.eps"), 1e-4);
        }
    }

    @Test
    void attentionLayersAreAddressableByPath() {
        UNetModel unet = load("fp32");
        // tiny: 2 input, 1 middle, 4 output transformers, each with attn1 and attn2
        assertEquals(14, unet.attentionPaths().size());
        assertTrue(unet.attentionPaths().contains("output_blocks.3.1.transformer_blocks.0.attn1"));
        assertTrue(unet.attentionPaths().contains("middle_block.1.transformer_blocks.0.attn2"));
        assertThrows(IllegalArgumentException.class,
                () -> unet.setProcessor("output_blocks.9.1.transformer_blocks.0.attn1", (c, l, x, ctx) -> x));
    }

    @Test
    void installedProcessorChangesOnlyItsLayer() {
        try (Fixture f = new Fixture("unet"); Parallel p = new Parallel(2)) {
            Compute c = new Compute(p);
            UNetModel unet = load("fp32");
            Tensor x = f.tensor("case0.x"), ctx = f.tensor("context");
            int[] t = f.ints("case0.t");
            // A processor that is the default computation must give the reference result exactly.
            unet.setProcessor("output_blocks.3.1.transformer_blocks.0.attn1", (cc, l, h, kv) -> l.attend(cc, h, kv));
            Fixture.assertClose("explicit default", unet.forward(c, x, t, ctx, null), f.tensor("case0.eps"), 1e-4);
            // Keys/values from the input twice over (like cross-frame attention with two copies of the frame)
            // leave softmax attention unchanged.
            unet.setProcessor("output_blocks.3.1.transformer_blocks.0.attn1",
                    (cc, l, h, kv) -> l.attend(cc, h, Tensor.of(concatTokens(kv, kv), kv.dim(0), 2 * kv.dim(1),
                            kv.dim(2))));
            Fixture.assertClose("doubled kv", unet.forward(c, x, t, ctx, null), f.tensor("case0.eps"), 1e-4);
            // A processor that zeroes the layer's output changes the result.
            unet.setProcessor("output_blocks.3.1.transformer_blocks.0.attn1", (cc, l, h, kv) -> cc.scale(h, 0f));
            double e = Fixture.relL2(unet.forward(c, x, t, ctx, null), f.tensor("case0.eps"));
            assertTrue(e > 1e-3, "zeroed attention should change eps, rel " + e);
            unet.resetProcessors();
            Fixture.assertClose("reset", unet.forward(c, x, t, ctx, null), f.tensor("case0.eps"), 1e-4);
        }
    }

    private static float[] concatTokens(Tensor a, Tensor b) {
        // [1, N, C] + [1, N, C] -> [1, 2N, C]
        float[] r = new float[a.size() + b.size()];
        System.arraycopy(a.data(), 0, r, 0, a.size());
        System.arraycopy(b.data(), 0, r, a.size(), b.size());
        return r;
    }
}
