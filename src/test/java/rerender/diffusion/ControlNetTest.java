package rerender.diffusion;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import rerender.diffusion.unet.ControlNet;
import rerender.diffusion.unet.ControlResiduals;
import rerender.diffusion.unet.UNetModel;
import rerender.tensor.Compute;
import rerender.tensor.Tensor;
import rerender.tensor.kernels.Parallel;

import java.util.HashMap;
import java.util.Map;

class ControlNetTest {
    @ParameterizedTest
    @ValueSource(strings = {"fp32", "fp16"})
    void residualsAndControlledEpsMatchReference(String precision) {
        try (Fixture f = new Fixture("controlnet"); Parallel p = new Parallel(2)) {
            Compute c = new Compute(p);
            UNetModel unet = UNetModelTest.load(precision);
            ControlNet cn = new ControlNet(TinyModels.control(precision).sub("control_model"), TinyModels.config());
            cn.checkCompatible(unet);
            for (String cs : new String[] {"case0", "case1"}) {
                Tensor x = f.tensor(cs + ".x"), hint = f.tensor(cs + ".hint"), ctx = f.tensor("context");
                int[] t = f.ints(cs + ".t");
                Map<String, Tensor> seen = new HashMap<>();
                ControlResiduals r = cn.forward(c, x, hint, t, ctx, 1f, seen::put);
                Fixture.assertClose(precision + " " + cs + " guided_hint", seen.get("guided_hint"),
                        f.tensor(cs + ".debug.guided_hint"), 1e-4);
                int n = r.skips().size();
                for (int i = 0; i < n; i++) {
                    Fixture.assertClose(precision + " " + cs + " control." + i, r.skips().get(i),
                            f.tensor(cs + ".control." + i), 1e-4);
                }
                Fixture.assertClose(precision + " " + cs + " control." + n + " (middle)", r.middle(),
                        f.tensor(cs + ".control." + n), 1e-4);
                Fixture.assertClose(precision + " " + cs + " eps strength 1", unet.forward(c, x, t, ctx, r),
                        f.tensor(cs + ".eps_strength_1.0"), 1e-4);
                Fixture.assertClose(precision + " " + cs + " eps strength 0.5",
                        unet.forward(c, x, t, ctx, r.withStrength(0.5f)), f.tensor(cs + ".eps_strength_0.5"), 1e-4);
            }
        }
    }
}
