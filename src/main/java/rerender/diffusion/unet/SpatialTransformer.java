// ldm SpatialTransformer: GroupNorm, proj_in (1x1 conv in SD 1.5, linear in later models - read from the weight's
// rank), transformer blocks over the H*W tokens, proj_out, plus the input (residual).
package rerender.diffusion.unet;

import rerender.diffusion.nn.Conv;
import rerender.diffusion.nn.GroupNorm;
import rerender.diffusion.nn.Linear;
import rerender.tensor.Compute;
import rerender.tensor.Tensor;
import rerender.weights.Weights;

import java.util.ArrayList;
import java.util.List;

final class SpatialTransformer implements TimestepBlock {
    static final float EPS = 1e-6f; // ldm attention.Normalize: GroupNorm(32, C, eps=1e-6)

    private final GroupNorm norm;
    private final Conv projInConv, projOutConv;       // SD 1.x layout
    private final Linear projInLinear, projOutLinear; // use_linear_in_transformer layout
    final List<BasicTransformerBlock> blocks = new ArrayList<>();

    SpatialTransformer(Weights w, String name, int channels, int contextDim, int heads, int depth) {
        norm = GroupNorm.load(w, name + ".norm", channels, 32, EPS);
        boolean linear = w.shape(name + ".proj_in.weight").length == 2;
        projInConv = linear ? null : Conv.load1x1(w, name + ".proj_in", channels, channels);
        projInLinear = linear ? Linear.load(w, name + ".proj_in", channels, channels) : null;
        for (int d = 0; d < depth; d++) {
            blocks.add(new BasicTransformerBlock(w, name + ".transformer_blocks." + d, channels, contextDim, heads));
        }
        projOutConv = linear ? null : Conv.load1x1(w, name + ".proj_out", channels, channels);
        projOutLinear = linear ? Linear.load(w, name + ".proj_out", channels, channels) : null;
    }

    @Override
    public Tensor forward(Compute c, Tensor x, Tensor emb, Tensor context) {
        int hgt = x.dim(2), wid = x.dim(3);
        Tensor h = norm.forward(c, x);
        Tensor tokens;
        if (projInConv != null) {
            tokens = c.toTokens(projInConv.forward(c, h));   // [B, C, H, W] -> [B, H*W, C]
        } else {
            tokens = projInLinear.forward(c, c.toTokens(h));
        }
        for (BasicTransformerBlock b : blocks) {
            tokens = b.forward(c, tokens, context);
        }
        Tensor out;
        if (projOutConv != null) {
            out = projOutConv.forward(c, c.fromTokens(tokens, hgt, wid)); // [B, H*W, C] -> [B, C, H, W]
        } else {
            out = c.fromTokens(projOutLinear.forward(c, tokens), hgt, wid);
        }
        return c.addInPlace(out, x); // out is this block's own temporary
    }
}
