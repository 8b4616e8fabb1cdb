// ldm openaimodel ResBlock: GroupNorm-SiLU-conv, plus the projected time embedding, GroupNorm-SiLU-conv,
// plus a skip (identity or 1x1 conv when the channel count changes). Keys in_layers / emb_layers / out_layers.
package rerender.diffusion.unet;

import rerender.diffusion.nn.Conv;
import rerender.diffusion.nn.GroupNorm;
import rerender.diffusion.nn.Linear;
import rerender.tensor.Compute;
import rerender.tensor.Tensor;
import rerender.weights.Weights;

public final class ResBlock implements TimestepBlock {
    static final float EPS = 1e-5f; // ldm normalization() = GroupNorm32(32, C), default eps

    private final GroupNorm inNorm;  // in_layers.0
    private final Conv inConv;       // in_layers.2: C -> Cout
    private final Linear embProj;    // emb_layers.1: E -> Cout (after SiLU)
    private final GroupNorm outNorm; // out_layers.0
    private final Conv outConv;      // out_layers.3: Cout -> Cout
    private final Conv skip;         // skip_connection (1x1) or null for identity
    final int outChannels;

    ResBlock(Weights w, String name, int in, int out, int embDim) {
        inNorm = GroupNorm.load(w, name + ".in_layers.0", in, 32, EPS);
        inConv = Conv.load3x3(w, name + ".in_layers.2", in, out).keepingTransforms(); // same weights every step
        embProj = Linear.load(w, name + ".emb_layers.1", embDim, out);
        outNorm = GroupNorm.load(w, name + ".out_layers.0", out, 32, EPS);
        outConv = Conv.load3x3(w, name + ".out_layers.3", out, out).keepingTransforms();
        skip = in == out ? null : Conv.load1x1(w, name + ".skip_connection", in, out);
        outChannels = out;
    }

    @Override
    public Tensor forward(Compute c, Tensor x, Tensor emb, Tensor context) {
        Tensor h = inConv.forward(c, inNorm.forwardSilu(c, x));   // [B, Cout, H, W]
        Tensor e = embProj.forward(c, c.silu(emb));               // [B, E] -> [B, Cout]
        h = c.addPerChannelInPlace(h, e);                         // h: inConv's output, this block's own
        h = outConv.forward(c, outNorm.forwardSiluInPlace(c, h)); // dropout is identity at inference
        Tensor s = skip == null ? x : skip.forward(c, x);
        return c.addInPlace(h, s); // h is this block's own temporary
    }
}
