package rerender.diffusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import rerender.diffusion.unet.ControlNet;
import rerender.diffusion.unet.FreeU;
import rerender.diffusion.unet.UNetModel;
import rerender.tensor.Compute;
import rerender.tensor.Tensor;
import rerender.tensor.kernels.Parallel;

/** FreeU against the fixture made with Rerender's freeu_forward (triggers scaled to the tiny model: 64/32). */
class FreeUTest {
    @Test
    void fourierFilterMatchesTheFftReference() {
        try (Fixture f = new Fixture("freeu")) {
            Tensor x = f.tensor("fourier.x"); // [1, 8, 6, 10]
            Fixture.assertClose("scale 0.2", FreeU.fourierFilter(x, 0.2), f.tensor("fourier.scale0.2"), 1e-5);
            Fixture.assertClose("scale 1.0", FreeU.fourierFilter(x, 1.0), f.tensor("fourier.scale1.0"), 1e-5);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"fp32", "fp16"})
    void unetWithFreeUMatchesReferenceWithAndWithoutControlNet(String precision) {
        try (Fixture f = new Fixture("freeu"); Parallel p = new Parallel(2)) {
            Compute c = new Compute(p);
            UNetModel unet = UNetModelTest.load(precision);
            unet.setFreeU(new FreeU(1.1, 1.2, 1.0, 0.2));
            ControlNet cn = new ControlNet(TinyModels.control(precision).sub("control_model"), TinyModels.config());
            for (String cs : new String[] {"case0", "case1"}) {
                Tensor x = f.tensor(cs + ".x"), hint = f.tensor(cs + ".hint"), ctx = f.tensor("context");
                int[] t = f.ints(cs + ".t");
                Fixture.assertClose(precision + " " + cs + " no control", unet.forward(c, x, t, ctx, null),
                        f.tensor(cs + ".eps_nocontrol"), 1e-4);
                Fixture.assertClose(precision + " " + cs + " control 1.0",
                        unet.forward(c, x, t, ctx, cn.forward(c, x, hint, t, ctx, 1f)),
                        f.tensor(cs + ".eps_control_1.0"), 1e-4);
            }
            // off again: the plain forward (to rounding: vector lane reductions may sum in another order once the
            // JIT has compiled them, so two runs of the same model agree to ~1e-8, not bit for bit)
            Tensor x = f.tensor("case0.x"), ctx = f.tensor("context");
            int[] t = f.ints("case0.t");
            unet.setFreeU(FreeU.OFF);
            Tensor off = unet.forward(c, x, t, ctx, null);
            UNetModel plain = UNetModelTest.load(precision);
            Tensor plainEps = plain.forward(c, x, t, ctx, null);
            Fixture.assertClose("FreeU off = plain UNet", off, plainEps, 1e-6);
            // and the fixture is not vacuous: without FreeU the UNet is far from the FreeU reference
            double d = Fixture.relL2(plainEps, f.tensor("case0.eps_nocontrol"));
            org.junit.jupiter.api.Assertions.assertTrue(d > 1e-2, "FreeU changes eps by only " + d);
        }
    }

    @Test
    void parsesFourFactorsAndRejectsOthers() {
        FreeU f = FreeU.parse("1.1, 1.2,1.0,0.2");
        assertArrayEquals(new double[] {1.1, 1.2, 1.0, 0.2}, new double[] {f.b1(), f.b2(), f.s1(), f.s2()});
        assertThrows(IllegalArgumentException.class, () -> FreeU.parse("1.1,1.2,1.0"));
        assertThrows(IllegalArgumentException.class, () -> FreeU.parse("1.1,x,1.0,0.2"));
        assertThrows(IllegalArgumentException.class, () -> FreeU.parse("1.1,NaN,1.0,0.2"));
    }
}
