// The transformer feed-forward of ldm with GEGLU (ff.net.0.proj, GEGLU, ff.net.2) fused by blocks of rows: a block's
// hidden layer (8C wide before GEGLU, 4C after) lives in a thread's cache-sized buffer instead of two full tensors.
package rerender.tensor.kernels;

public final class FeedForward {
    private FeedForward() {
    }

    /** A linear layer's weight W [out, in]: fp16 in the packed layout of {@link LinearWeights}, or float32 row-major. */
    public record Weight(LinearWeights half, float[] full, int out, int in) {
        public Weight {
            if ((half == null) == (full == null)) {
                throw new IllegalArgumentException("a weight is either fp16 packed or float32, exactly one");
            }
            if (half != null && (half.out() != out || half.in() != in)
                    || full != null && full.length != (long) out * in) {
                throw new IllegalArgumentException("weight is not [" + out + ", " + in + "]");
            }
        }

        public static Weight of(LinearWeights half) {
            return new Weight(half, null, half.out(), half.in());
        }

        public static Weight of(float[] full, int out, int in) {
            return new Weight(null, full, out, in);
        }

        /** B = W^T [in, out] for the product x W^T. */
        BlockedGemm.PackB packer() {
            return half != null ? half.packer() : BlockedGemm.transposedB(full, 0, in);
        }
    }

    /**
     * Rows per block. A multiple of MR; 96 rows of a 320-wide layer's hidden values are 983 KB before GEGLU and
     * 492 KB after (L2 is 512 KB here, L3 32 MB): small enough to stay in cache between the three steps, large
     * enough that each B sliver of the weights, fetched from L3, serves 32 micro-tiles. 48 and 192 measured the
     * same (4096 x 320, fused against unfused, 12-16 alternations: 1.064, 1.059, 1.055).
     */
    static final int ROWS = 32 * BlockedGemm.MR;

    /**
     * Fewest rows for which {@link #fuses} says yes. Measured (Compute level, fp16 weights, 2 threads, in-process
     * alternation, 12-16 rounds): 4096 rows x 320 -> 2560 -> 1280 -> 320 (the 64x64 level at 512 x 512) fused
     * 1.055-1.064x faster than linear, GEGLU, linear; 1024 rows x 640 (the 32x32 level) 0.93-0.97x, slower, with
     * blocks of 48, 96 or 192 rows: there the unfused first product cuts along N and streams its 13 MB weight once,
     * while the fused blocks each stream it from L3 again.
     */
    static final int MIN_ROWS = 2048;

    /** Whether {@link #geglu} should run fused for this shape (else: linear, GEGLU, linear, as three operations). */
    public static boolean fuses(int rows, Weight in, Weight out) {
        return rows >= MIN_ROWS && (long) in.in() * in.out() <= BlockedGemm.SHARED_MAX_FLOATS
                && (long) out.in() * out.out() <= BlockedGemm.SHARED_MAX_FLOATS;
    }

    /**
     * y [rows, C'] = GEGLU(x W1^T + b1) W2^T + b2 for x [rows, C], W1 [2I, C], W2 [C', I] (biases may be null),
     * GEGLU(h) = h[:, :I] * gelu(h[:, I:]). Both weights are packed once for all threads; the threads then claim
     * blocks of {@link #ROWS} rows and run each block's first product, GEGLU and second product through their own
     * buffers. Every value is computed by the same operations in the same order as the unfused sequence (same
     * micro-kernel, K-blocks, bias epilogue and GEGLU), so y has the same bits.
     */
    public static void geglu(Parallel p, float[] x, int rows, Weight w1, float[] b1, Weight w2, float[] b2, float[] y) {
        int c = w1.in(), h2 = w1.out(), hidden = h2 / 2, out = w2.out();
        if (h2 % 2 != 0 || w2.in() != hidden) {
            throw new IllegalArgumentException("feed-forward weights [" + h2 + ", " + c + "] and [" + out + ", "
                    + w2.in() + "] do not chain through GEGLU");
        }
        if (x.length < (long) rows * c || y.length < (long) rows * out
                || b1 != null && b1.length != h2 || b2 != null && b2.length != out) {
            throw new IllegalArgumentException("feed-forward: x, y or a bias too small for " + rows + " rows of "
                    + c + " -> " + h2 + " -> " + out);
        }
        if (rows == 0) {
            return;
        }
        float[] buf1 = Scratch.take(Scratch.FF_SHARED_IN, Math.multiplyExact(BlockedGemm.roundUp(h2, BlockedGemm.NR), c));
        float[] buf2 = Scratch.take(Scratch.FF_SHARED_OUT,
                Math.multiplyExact(BlockedGemm.roundUp(out, BlockedGemm.NR), hidden));
        try {
            BlockedGemm.SharedB in = new BlockedGemm.SharedB(BlockedGemm.Prepacked.ofB(p, h2, c, w1.packer(), buf1, 0));
            BlockedGemm.SharedB outB = new BlockedGemm.SharedB(
                    BlockedGemm.Prepacked.ofB(p, out, hidden, w2.packer(), buf2, 0));
            BlockedGemm.Bias bias1 = BlockedGemm.Bias.perColumn(b1), bias2 = BlockedGemm.Bias.perColumn(b2);
            BlockedGemm.PackA xRows = BlockedGemm.rowMajorA(x, 0, c);
            int blocks = BlockedGemm.ceilDiv(rows, ROWS);
            p.forWorkers(blocks, 1, work -> {
                float[] h = Scratch.take(Scratch.FF_HIDDEN, ROWS * h2);
                float[] g = Scratch.take(Scratch.FF_GATED, ROWS * hidden);
                float[] pa = Scratch.take(Scratch.GEMM_PACK_A,
                        Math.max(BlockedGemm.packASize(ROWS, c), BlockedGemm.packASize(ROWS, hidden)));
                float[] pb = new float[0]; // B is prepacked
                float[] edge = new float[BlockedGemm.MR * BlockedGemm.NR];
                try {
                    int[] r = new int[2];
                    while (work.claim(r)) {
                        for (int blk = r[0]; blk < r[1]; blk++) {
                            int r0 = blk * ROWS, r1 = Math.min(rows, r0 + ROWS);
                            // h rows r0 .. r1 at h[0 ..]: C's row i lands at cOff + i * ldc
                            BlockedGemm.block(r0, r1, 0, h2, c, xRows, in, h, -r0 * h2, h2,
                                    false, pa, pb, edge, bias1);
                            Activations.gegluRows(h, 0, g, 0, 0, r1 - r0, hidden);
                            BlockedGemm.block(r0, r1, 0, out, hidden, BlockedGemm.rowMajorA(g, -r0 * hidden, hidden),
                                    outB, y, 0, out, false, pa, pb, edge, bias2);
                        }
                    }
                } finally {
                    Scratch.release(Scratch.GEMM_PACK_A, pa);
                    Scratch.release(Scratch.FF_GATED, g);
                    Scratch.release(Scratch.FF_HIDDEN, h);
                }
            });
        } finally {
            Scratch.release(Scratch.FF_SHARED_OUT, buf2);
            Scratch.release(Scratch.FF_SHARED_IN, buf1);
        }
    }
}
