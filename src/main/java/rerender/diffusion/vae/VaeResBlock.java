// ldm model.py ResnetBlock without time embedding: GroupNorm-SiLU-conv1, GroupNorm-SiLU-conv2, plus the input
// (through nin_shortcut, a 1x1 conv, when the channel count changes).
package rerender.diffusion.vae;

import rerender.diffusion.nn.Conv;
import rerender.diffusion.nn.GroupNorm;
import rerender.tensor.Compute;
import rerender.tensor.Tensor;
import rerender.weights.Weights;

final class VaeResBlock {
    static final float EPS = 1e-6f; // ldm model.py Normalize: GroupNorm(32, C, eps=1e-6)

    private final GroupNorm norm1, norm2;
    private final Conv conv1, conv2, shortcut;

    VaeResBlock(Weights w, String name, int in, int out) {
        norm1 = GroupNorm.load(w, name + ".norm1", in, 32, EPS);
        conv1 = Conv.load3x3(w, name + ".conv1", in, out);
        norm2 = GroupNorm.load(w, name + ".norm2", out, 32, EPS);
        conv2 = Conv.load3x3(w, name + ".conv2", out, out);
        shortcut = in == out ? null : Conv.load1x1(w, name + ".nin_shortcut", in, out);
    }

    /** x [B, in, H, W] -> [B, out, H, W]. */
    Tensor forward(Compute c, Tensor x) {
        Tensor h = conv1.forward(c, norm1.forwardSilu(c, x));
        h = conv2.forward(c, norm2.forwardSiluInPlace(c, h)); // conv1's output, dead after the norm
        return c.addInPlace(h, shortcut == null ? x : shortcut.forward(c, x)); // h is this block's own temporary
    }
}
