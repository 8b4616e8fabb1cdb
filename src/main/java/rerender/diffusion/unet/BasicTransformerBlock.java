// ldm BasicTransformerBlock: self-attention (attn1), cross-attention to the text (attn2), GEGLU feed-forward (ff),
// each after a LayerNorm (norm1/2/3) and added residually.
package rerender.diffusion.unet;

import rerender.diffusion.nn.LayerNorm;
import rerender.diffusion.nn.Linear;
import rerender.tensor.Compute;
import rerender.tensor.Tensor;
import rerender.weights.Weights;

final class BasicTransformerBlock {
    static final float EPS = 1e-5f; // nn.LayerNorm default

    private final LayerNorm norm1, norm2, norm3;
    final CrossAttention attn1, attn2;
    private final Linear ffIn;  // ff.net.0.proj: C -> 2 * 4C (GEGLU value and gate)
    private final Linear ffOut; // ff.net.2: 4C -> C

    BasicTransformerBlock(Weights w, String name, int dim, int contextDim, int heads) {
        norm1 = LayerNorm.load(w, name + ".norm1", dim, EPS);
        attn1 = new CrossAttention(w, name + ".attn1", dim, dim, heads);
        norm2 = LayerNorm.load(w, name + ".norm2", dim, EPS);
        attn2 = new CrossAttention(w, name + ".attn2", dim, contextDim, heads);
        norm3 = LayerNorm.load(w, name + ".norm3", dim, EPS);
        int inner = 4 * dim;
        ffIn = Linear.load(w, name + ".ff.net.0.proj", dim, 2 * inner);
        ffOut = Linear.load(w, name + ".ff.net.2", inner, dim);
    }

    /** x [B, N, C], context [B, M, Cc] -> [B, N, C]. */
    Tensor forward(Compute c, Tensor x, Tensor context) {
        Tensor h = norm1.forward(c, x);
        x = c.add(x, attn1.forward(c, h, h));
        // x is now this block's own tensor: the next residual sums may update it in place
        c.addInPlace(x, attn2.forward(c, norm2.forward(c, x), context));
        Tensor f = Linear.gegluFeedForward(c, norm3.forward(c, x), ffIn, ffOut); // C -> 8C -> GEGLU 4C -> C
        return c.addInPlace(x, f);
    }
}
