// One low-rank update of one weight tensor: W[out, in...] += factor * up[out, rank] @ down[rank, in...].
package rerender.weights;

/**
 * {@code factor} = user scale x alpha / rank. Linear layers have down [rank, in] and up [out, rank]; convolutions
 * have down [rank, in, kh, kw] and up [out, rank, 1, 1]; both are the same product once flattened to
 * [rank, in*kh*kw] and [out, rank].
 */
record LoraDelta(String module, StoredTensor down, StoredTensor up, float factor) {

    /** Adds the delta to {@code w} (the target's floats, of shape {@code shape}). */
    void addTo(float[] w, long[] shape) {
        long[] ds = down.shape();
        long[] us = up.shape();
        int rank = (int) ds[0];
        int out = (int) shape[0];
        int in = w.length / Math.max(out, 1);
        if (down.numel() != (long) rank * in || up.numel() != (long) out * rank || us[0] != out || us.length < 2 || us[1] != rank) {
            throw new WeightException("LoRA module '" + module + "' in " + down.file() + ": down " + Shapes.format(ds) + " / up "
                    + Shapes.format(us) + " do not fit the target shape " + Shapes.format(shape));
        }
        float[] d = down.toFloats(); // [rank, in]
        float[] u = up.toFloats();   // [out, rank]
        for (int o = 0; o < out; o++) {
            int row = o * in;
            for (int r = 0; r < rank; r++) {
                float c = factor * u[o * rank + r];
                if (c == 0f) {
                    continue;
                }
                int dr = r * in;
                for (int i = 0; i < in; i++) {
                    w[row + i] += c * d[dr + i];
                }
            }
        }
    }
}
