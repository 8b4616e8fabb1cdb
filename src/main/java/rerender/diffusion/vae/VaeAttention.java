// ldm model.py AttnBlock: single-head self-attention over the H*W positions with channel-wide q/k/v (1x1 convs),
// scale C^-0.5, then proj_out and the residual. Used once in the middle of the VAE encoder and decoder.
package rerender.diffusion.vae;

import rerender.diffusion.nn.Conv;
import rerender.diffusion.nn.GroupNorm;
import rerender.tensor.Compute;
import rerender.tensor.Tensor;
import rerender.weights.Weights;

final class VaeAttention {
    private final GroupNorm norm;
    private final Conv q, k, v, projOut;
    private final int channels;

    VaeAttention(Weights w, String name, int channels) {
        this.channels = channels;
        norm = GroupNorm.load(w, name + ".norm", channels, 32, VaeResBlock.EPS);
        q = Conv.load1x1(w, name + ".q", channels, channels);
        k = Conv.load1x1(w, name + ".k", channels, channels);
        v = Conv.load1x1(w, name + ".v", channels, channels);
        projOut = Conv.load1x1(w, name + ".proj_out", channels, channels);
    }

    /** x [B, C, H, W] -> [B, C, H, W]. */
    Tensor forward(Compute c, Tensor x) {
        int h = x.dim(2), wd = x.dim(3);
        Tensor n = norm.forward(c, x);
        Tensor qt = c.toTokens(q.forward(c, n)); // [B, H*W, C]
        Tensor kt = c.toTokens(k.forward(c, n));
        Tensor vt = c.toTokens(v.forward(c, n));
        Tensor o = c.attention(qt, kt, vt, 1, (float) Math.pow(channels, -0.5)); // [B, H*W, C]
        return c.addInPlace(projOut.forward(c, c.fromTokens(o, h, wd)), x); // the projection is a fresh temporary
    }
}
