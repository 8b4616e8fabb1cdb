// ldm CrossAttention (to_q, to_k, to_v without bias; to_out.0 with bias): multi-head scaled dot-product attention
// (Vaswani et al. 2017). Computed by its AttentionProcessor, so hooks can change where keys/values come from.
package rerender.diffusion.unet;

import rerender.diffusion.nn.Linear;
import rerender.tensor.Compute;
import rerender.tensor.Tensor;
import rerender.weights.Weights;

public final class CrossAttention {
    private final String path;
    private final Linear toQ;   // [inner, C]
    private final Linear toK;   // [inner, Cc]
    private final Linear toV;   // [inner, Cc]
    private final Linear toOut; // to_out.0: [C, inner]
    private final int heads;
    private final float scale;  // dim_head^-0.5
    private AttentionProcessor processor = AttentionProcessor.DEFAULT;
    /**
     * Keys and values of the last text contexts seen (two: the prompt and the negative prompt of guidance), so the
     * 77-token projections are not recomputed at every step. Keyed by the identity of the context's data array:
     * context tensors are never modified after the text encoder made them.
     */
    /** Only short key/value sources (text) are cached; long ones (image tokens) change at every call. */
    private static final int MAX_CACHED_TOKENS = 256;
    private final DerivedTensorCache kvCache = new DerivedTensorCache(2);

    CrossAttention(Weights w, String path, int queryDim, int contextDim, int heads) {
        if (queryDim % heads != 0) {
            throw new IllegalArgumentException(path + ": width " + queryDim + " not divisible by " + heads + " heads");
        }
        this.path = path;
        this.heads = heads;
        int inner = queryDim; // ldm: heads * (C / heads)
        toQ = Linear.loadNoBias(w, path + ".to_q", queryDim, inner);
        toK = Linear.loadNoBias(w, path + ".to_k", contextDim, inner);
        toV = Linear.loadNoBias(w, path + ".to_v", contextDim, inner);
        toOut = Linear.load(w, path + ".to_out.0", inner, queryDim);
        scale = (float) Math.pow(queryDim / heads, -0.5);
    }

    /** The checkpoint path of this layer, e.g. output_blocks.3.1.transformer_blocks.0.attn1. */
    public String path() {
        return path;
    }

    public int heads() {
        return heads;
    }

    void setProcessor(AttentionProcessor p) {
        processor = p == null ? AttentionProcessor.DEFAULT : p;
    }

    public AttentionProcessor processor() {
        return processor;
    }

    /** Runs the installed processor: x [B, N, C], context [B, M, Cc] (x for self-attention) -> [B, N, C]. */
    public Tensor forward(Compute c, Tensor x, Tensor context) {
        return processor.apply(c, this, x, context);
    }

    /** Plain attention of queries from x over keys/values from kv: x [B, N, C], kv [B, M, Cc] -> [B, N, C]. */
    public Tensor attend(Compute c, Tensor x, Tensor kv) {
        Tensor q = toQ.forward(c, x);  // [B, N, inner]
        Tensor k, v;                   // [B, M, inner]
        if (kv != x && kv.dim(1) <= MAX_CACHED_TOKENS) {
            Tensor[] kvp = kvCache.get(kv, () -> new Tensor[] {toK.forward(c, kv), toV.forward(c, kv)});
            k = kvp[0];
            v = kvp[1];
        } else {
            k = toK.forward(c, kv);
            v = toV.forward(c, kv);
        }
        Tensor o = c.attention(q, k, v, heads, scale); // [B, N, inner]
        return toOut.forward(c, o);    // [B, N, C]
    }
}
