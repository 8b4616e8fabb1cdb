package rerender.diffusion;

import org.junit.jupiter.api.Test;
import rerender.diffusion.unet.ControlNet;
import rerender.diffusion.unet.ControlResiduals;
import rerender.diffusion.unet.UNetModel;
import rerender.tensor.Compute;
import rerender.tensor.Tensor;
import rerender.tensor.kernels.Parallel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * ControlNet's guided hint and the cross-attention keys/values of a text context are cached per input tensor:
 * repeated calls give the same result, and a new input (same shape, other data) is recomputed, matching a fresh model.
 */
class DerivedCachesTest {
    @Test
    void newHintsAndContextsAreRecomputedRepeatedOnesReused() {
        try (Fixture f = new Fixture("controlnet"); Parallel p = new Parallel(2)) {
            Compute c = new Compute(p);
            UNetModel unet = UNetModelTest.load("fp32");
            ControlNet cn = new ControlNet(TinyModels.control("fp32").sub("control_model"), TinyModels.config());
            Tensor x = f.tensor("case0.x"), hint = f.tensor("case0.hint"), ctx = f.tensor("context");
            int[] t = f.ints("case0.t");
            ControlResiduals first = cn.forward(c, x, hint, t, ctx, 1f);
            Tensor eps = unet.forward(c, x, t, ctx, first);
            ControlResiduals again = cn.forward(c, x, hint, t, ctx, 1f);
            assertArrayEquals(first.middle().data(), again.middle().data());
            assertArrayEquals(eps.data(), unet.forward(c, x, t, ctx, again).data());

            Tensor hint2 = hint.copy(), ctx2 = ctx.copy();
            for (int i = 0; i < hint2.size(); i++) {
                hint2.data()[i] = 1 - hint2.data()[i];
            }
            for (int i = 0; i < ctx2.size(); i++) {
                ctx2.data()[i] *= -0.5f;
            }
            ControlResiduals other = cn.forward(c, x, hint2, t, ctx2, 1f);
            Tensor eps2 = unet.forward(c, x, t, ctx2, other);
            assertFalse(java.util.Arrays.equals(first.middle().data(), other.middle().data()));
            UNetModel freshUnet = UNetModelTest.load("fp32");
            ControlNet freshCn = new ControlNet(TinyModels.control("fp32").sub("control_model"), TinyModels.config());
            ControlResiduals expect = freshCn.forward(c, x, hint2, t, ctx2, 1f);
            assertArrayEquals(expect.middle().data(), other.middle().data());
            assertArrayEquals(freshUnet.forward(c, x, t, ctx2, expect).data(), eps2.data());
        }
    }
}
