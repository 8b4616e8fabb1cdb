// One layer of a UNet block (ldm TimestepEmbedSequential member): sees the hidden state, the time embedding
// and the text context, and uses what it needs.
package rerender.diffusion.unet;

import rerender.tensor.Compute;
import rerender.tensor.Tensor;

public interface TimestepBlock {
    /** x [B, C, H, W], emb [B, E], context [B, M, Cc] -> [B, C', H', W']. */
    Tensor forward(Compute c, Tensor x, Tensor emb, Tensor context);
}
