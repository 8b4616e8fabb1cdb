// Strategy that computes one attention layer of the UNet; installed on layers by path (UNetModel.setProcessor),
// which is how Rerender's cross-frame attention replaces chosen self-attention layers.
package rerender.diffusion.unet;

import rerender.tensor.Compute;
import rerender.tensor.Tensor;

@FunctionalInterface
public interface AttentionProcessor {
    /**
     * x [B, N, C]: the layer's input (queries come from it); context [B, M, Cc]: the text for cross-attention
     * (attn2), or x itself for self-attention (attn1). Returns the layer output [B, N, C] (after to_out).
     */
    Tensor apply(Compute c, CrossAttention layer, Tensor x, Tensor context);

    /** Plain attention: keys and values from context. */
    AttentionProcessor DEFAULT = (c, layer, x, context) -> layer.attend(c, x, context);
}
