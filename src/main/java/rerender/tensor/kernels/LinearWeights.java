// A linear layer's fp16 weight [out, in] kept in the GEMM's packed-B layout for y = x W^T (see ConvWeights).
package rerender.tensor.kernels;

import java.lang.foreign.MemorySegment;

/**
 * B[l, j] = W[j, l] in NR-column slivers per K-block, made once at load straight from the checkpoint's [out, in]
 * layout (no transposed copy in between). Packing a block for a product is then one contiguous run copied and
 * widened, instead of a row-by-row gather with its short bursts once the threads' column chunks get narrow.
 */
public final class LinearWeights {
    private final MemorySegment packed;
    private final int out;
    private final int in;

    private LinearWeights(MemorySegment packed, int out, int in) {
        this.packed = packed;
        this.out = out;
        this.in = in;
    }

    /** fp16 bits of W [out, in] row-major (PyTorch's nn.Linear layout), copied into the packed layout. */
    public static LinearWeights packHalf(MemorySegment weight, int out, int in) {
        return new LinearWeights(ConvWeights.packSlivers(weight, out, in, BlockedGemm.NR), out, in);
    }

    public int out() {
        return out;
    }

    public int in() {
        return in;
    }

    /** The GEMM's B packer (B = W^T [in, out]; products of depth exactly in); padded columns read as zeros. */
    BlockedGemm.PackB packer() {
        int nr = BlockedGemm.NR;
        return (k0, kc, j0, nc, dst) -> Fp16.widen(packed, BlockedGemm.panelOffset(out, in, nr, k0, kc, j0),
                BlockedGemm.roundUp(nc, nr) * kc, dst, 0);
    }

    /** W[j, l] (exact), for checks. */
    public float get(int j, int l) {
        int kcMax = BlockedGemm.kcMax(in);
        int k0 = (l / kcMax) * kcMax, kc = Math.min(kcMax, in - k0);
        int nr = BlockedGemm.NR, s0 = (j / nr) * nr;
        long at = BlockedGemm.panelOffset(out, in, nr, k0, kc, s0) + (long) (l - k0) * nr + (j - s0);
        return Fp16.get(packed, at);
    }
}
