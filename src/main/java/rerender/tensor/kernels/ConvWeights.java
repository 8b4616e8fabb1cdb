// The weight of a convolution, [O, C*kh*kw] row-major in one of three storages, as the kernels read it: packed for
// the GEMM (A operand) or a sliver of MR output channels at a time for the Winograd weight transforms.
package rerender.tensor.kernels;

import java.lang.foreign.MemorySegment;

/**
 * Storages: float32 (float[]), fp16 bits row-major (a segment, as checkpoints store it) and fp16 bits in the GEMM's
 * packed-A layout ({@link #packHalf}, how models keep their fp16 convolutions). Why the packed one: the implicit
 * GEMM packs the weight for every call, and on small maps (1280 channels at 8x8: each weight used 64 times) reading
 * it row by row in K-blocks of 256 values (512-byte bursts from rows 23 KB apart, which the prefetchers do not
 * follow) cost as much as half the arithmetic: 1280 x 11520 x 64 on one thread, 61 ms with per-call packing of the
 * row-major fp16 weight against 39 ms with the packing done beforehand. In the packed layout each block the GEMM
 * asks for is one contiguous run, copied and widened in bulk.
 */
public final class ConvWeights {
    private final float[] f32;
    private final MemorySegment half;
    private final boolean packed;
    private final int rows;
    private final int depth;
    /** Whether Winograd weight transforms of small maps are kept between calls (see {@link #keepingTransforms}). */
    private final boolean keepTransforms;
    /** The kept F(4x4) transform in the products' packed layout; null until the first call that keeps it. */
    private float[] keptF4;

    private ConvWeights(float[] f32, MemorySegment half, boolean packed, int rows, int depth, boolean keepTransforms) {
        this.f32 = f32;
        this.half = half;
        this.packed = packed;
        this.rows = rows;
        this.depth = depth;
        this.keepTransforms = keepTransforms;
        long have = f32 != null ? f32.length : (packed ? -1 : Fp16.length(half));
        if (have >= 0 && have != (long) rows * depth) {
            throw new IllegalArgumentException("conv weight has " + have + " values, expected " + rows + " x " + depth);
        }
    }

    /** float32 [rows, depth] row-major. */
    public static ConvWeights of(float[] weight, int rows, int depth) {
        return new ConvWeights(weight, null, false, rows, depth, false);
    }

    /** fp16 bits [rows, depth] row-major (read in place). */
    public static ConvWeights ofHalf(MemorySegment weight, int rows, int depth) {
        return new ConvWeights(null, weight, false, rows, depth, false);
    }

    /** fp16 bits [rows, depth] row-major, copied into the packed layout (a new off-heap segment of the same size). */
    public static ConvWeights packHalf(MemorySegment weight, int rows, int depth) {
        return new ConvWeights(null, packSlivers(weight, rows, depth, BlockedGemm.MR), true, rows, depth, false);
    }

    /**
     * The same weight (shared storage), but convolutions on small maps keep their Winograd transformed weights
     * between calls instead of transforming them anew each time: for a model's layers, which see the same weights
     * at every sampling step. On 32x32 maps the F(4x4) transform was ~20 % of a 640- or 1280-channel convolution
     * (UNet + ControlNet at 512x512, in-process A/B pooled over 26 rounds: 0.951 of the time with the 32x32 level's
     * transforms kept), for 36 fp32 values per 9 weights (16 bytes per weight against 2 in fp16: about 1.2 GB for
     * SD 1.5 + ControlNet); see Winograd3x3#keeps for which convolutions keep it.
     */
    public ConvWeights keepingTransforms() {
        return new ConvWeights(f32, half, packed, rows, depth, true);
    }

    boolean keepsTransforms() {
        return keepTransforms;
    }

    synchronized boolean hasKeptTransform() {
        return keptF4 != null;
    }

    /** The kept transform of floats values, made by fill on the first call (callers agree on floats and fill). */
    synchronized float[] keptTransform(int floats, java.util.function.Consumer<float[]> fill) {
        if (keptF4 == null) {
            float[] u = new float[floats];
            fill.accept(u);
            keptF4 = u;
        }
        if (keptF4.length != floats) {
            throw new IllegalStateException("kept transform has " + keptF4.length + " floats, asked for " + floats);
        }
        return keptF4;
    }

    /**
     * fp16 [rows, depth] row-major -> a new segment in the packed layout of {@link BlockedGemm#panelOffset} with
     * slivers of unit rows, rows past the end zero. unit MR: the GEMM's packed A of this matrix; unit NR: its
     * packed B transposed (B[l, j] = matrix[j, l], how a Linear layer's [out, in] weight enters y = x W^T).
     */
    static MemorySegment packSlivers(MemorySegment weight, int rows, int depth, int unit) {
        if (Fp16.length(weight) != (long) rows * depth) {
            throw new IllegalArgumentException("weight has " + Fp16.length(weight) + " values, expected " + rows
                    + " x " + depth);
        }
        int kcMax = BlockedGemm.kcMax(depth);
        MemorySegment dst = Fp16.allocate((long) BlockedGemm.roundUp(rows, unit) * depth);
        short[] in = new short[unit * kcMax], out = new short[unit * kcMax];
        for (int k0 = 0; k0 < depth; k0 += kcMax) {
            int kc = Math.min(kcMax, depth - k0);
            for (int row0 = 0; row0 < rows; row0 += unit) {
                int n = Math.min(unit, rows - row0);
                for (int r = 0; r < n; r++) {
                    MemorySegment.copy(weight, Fp16.BITS, 2L * ((long) (row0 + r) * depth + k0), in, r * kc, kc);
                }
                java.util.Arrays.fill(out, 0, unit * kc, (short) 0);
                for (int r = 0; r < n; r++) {
                    for (int l = 0; l < kc; l++) {
                        out[l * unit + r] = in[r * kc + l];
                    }
                }
                long at = BlockedGemm.panelOffset(rows, depth, unit, k0, kc, row0);
                MemorySegment.copy(out, 0, dst, Fp16.BITS, 2 * at, unit * kc);
            }
        }
        return dst;
    }

    public int rows() {
        return rows;
    }

    public int depth() {
        return depth;
    }

    /** Whether this is the packed fp16 storage. */
    public boolean isPacked() {
        return packed;
    }

    /** The GEMM's A packer for this weight (products of depth exactly {@link #depth}). */
    BlockedGemm.PackA packer() {
        if (f32 != null) {
            return BlockedGemm.rowMajorA(f32, 0, depth);
        }
        if (!packed) {
            return BlockedGemm.rowMajorAHalf(half, 0, depth);
        }
        // rows past the end are zeros in the packed storage
        return (i0, mc, k0, kc, dst) -> Fp16.widen(half, BlockedGemm.panelOffset(rows, depth, BlockedGemm.MR, k0, kc,
                i0), BlockedGemm.roundUp(mc, BlockedGemm.MR) * kc, dst, 0);
    }

    /**
     * Rows sl*MR .. sl*MR + MR (zeros past the last row), columns [kFrom, kTo), widened and interleaved as the packed
     * storage holds them: out[(k - kFrom) * MR + r]. For the packed storage that is each K-block's run widened
     * ({@link Fp16#widen}; the Winograd weight transforms read it with vector gathers, see Winograd3x3).
     */
    void sliverInterleaved(int sl, int kFrom, int kTo, float[] out) {
        int mr = BlockedGemm.MR;
        if (!packed) {
            for (int r = 0; r < mr; r++) {
                int row = sl * mr + r;
                for (int k = kFrom, d = r; k < kTo; k++, d += mr) {
                    out[d] = row >= rows ? 0f : f32 != null ? f32[row * depth + k]
                            : Fp16.get(half, (long) row * depth + k);
                }
            }
            return;
        }
        int kcMax = BlockedGemm.kcMax(depth);
        int n = 0;
        for (int k = kFrom; k < kTo; ) { // the K-blocks that [kFrom, kTo) touches, each one contiguous run
            int k0 = (k / kcMax) * kcMax, kc = Math.min(kcMax, depth - k0);
            int end = Math.min(kTo, k0 + kc);
            long at = BlockedGemm.panelOffset(rows, depth, mr, k0, kc, sl * mr) + (long) (k - k0) * mr;
            Fp16.widen(half, at, (end - k) * mr, out, n);
            n += (end - k) * mr;
            k = end;
        }
    }
}
