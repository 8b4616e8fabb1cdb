// Cache-blocked, register-blocked SGEMM core (the BLIS/GotoBLAS loop nest) on the Vector API.
// C[M,N] (+)= A[M,K] . B[K,N] where A and B are read only through packers, so one core serves plain GEMM,
// GEMM with B transposed and convolution (whose B panel is packed straight from the image: implicit GEMM).
package rerender.tensor.kernels;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

final class BlockedGemm {
    private BlockedGemm() {
    }

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    /** Micro-tile: MR rows of C by NR = 3 vectors of columns (see {@link #kernel}). */
    static final int MR = 3;
    static final int NR = 3 * L;
    /** K-block: an A sliver (MR x KC) and a B sliver (KC x NR) stay in L1 during the micro-kernel. */
    static final int KC = 256;
    /** Largest M-block: the packed MC x KC block of A (at most 256 KB) lives in L2; blocks are evened out. */
    static final int MC = 85 * MR;
    /** N-block: the packed KC x NC panel of B lives in L3. */
    static final int NC = (4096 / NR) * NR;

    /** Writes A[i0 .. i0+mc, k0 .. k0+kc] into dst as MR-row slivers: dst[s*kc*MR + l*MR + r], zero padded. */
    interface PackA {
        void pack(int i0, int mc, int k0, int kc, float[] dst);
    }

    /** Writes B[k0 .. k0+kc, j0 .. j0+nc] into dst as NR-column slivers: dst[s*kc*NR + l*NR + jj], zero padded. */
    interface PackB {
        void pack(int k0, int kc, int j0, int nc, float[] dst);
    }

    /**
     * C[M,N] (+)= A . B, the rectangle of C cut along its longer side into chunks of whole cache blocks which p's
     * threads claim dynamically (the two cores of this VM often run at different speeds). The operand that every
     * chunk needs in full (B for a cut along M, A for a cut along N) is packed once, by all threads together, and
     * the chunks read its panels in place; each chunk packs its own part of the other operand.
     */
    static void multiply(Parallel p, int m, int n, int k, PackA packA, PackB packB, float[] c, int cOff, int ldc,
                         boolean accumulate) {
        multiply(p, m, n, k, packA, packB, c, cOff, ldc, accumulate, null);
    }

    /**
     * A bias that the product adds to C: values[i] to row i (a convolution's output channels) or values[j] to
     * column j (a linear layer's outputs). It is added to each tile of C right after the tile's first K-block, while
     * the tile is in L1, so C is never filled beforehand and then read back: the micro-kernel of the first K-block
     * only writes. Same result, bit for bit, as C filled with the bias and accumulated into (sum + bias either way).
     */
    record Bias(float[] values, boolean perRow) {
        static Bias perRow(float[] values) {
            return values == null ? null : new Bias(values, true);
        }

        static Bias perColumn(float[] values) {
            return values == null ? null : new Bias(values, false);
        }

        /** Adds the bias to C[i0 .. i0+rows, j0 .. j0+cols] (C's element (i, j) at c[cIdx + (i-i0)*ldc + j-j0]). */
        void addTo(float[] c, int cIdx, int ldc, int i0, int rows, int j0, int cols) {
            for (int r = 0; r < rows; r++) {
                int row = cIdx + r * ldc;
                int v = 0;
                for (; v + L <= cols; v += L) { // whole vectors, also of edge slivers (N = 64, 640, ...)
                    FloatVector b = perRow ? FloatVector.broadcast(S, values[i0 + r])
                            : FloatVector.fromArray(S, values, j0 + v);
                    FloatVector.fromArray(S, c, row + v).add(b).intoArray(c, row + v);
                }
                for (int jj = v; jj < cols; jj++) {
                    c[row + jj] += perRow ? values[i0 + r] : values[j0 + jj];
                }
            }
        }
    }

    /** As above, adding bias (or nothing, when null) to every element of C once. */
    static void multiply(Parallel p, int m, int n, int k, PackA packA, PackB packB, float[] c, int cOff, int ldc,
                         boolean accumulate, Bias bias) {
        if (m <= 0 || n <= 0) {
            return;
        }
        if (k <= 0) {
            for (int i = 0; i < m; i++) {
                if (!accumulate) {
                    java.util.Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f);
                }
                if (bias != null) {
                    bias.addTo(c, cOff + i * ldc, ldc, i, 1, 0, n);
                }
            }
            return;
        }
        long work = 2L * m * n * k;
        int t = work < 4_000_000 ? 1 : p.threads();
        boolean splitN = (long) n * MR >= (long) m * NR / 2 || m < t * MR;
        int unit = splitN ? NR : MR;
        int units = ceilDiv(splitN ? n : m, unit);
        if (t <= 1 || units <= 1) {
            float[] pa = Scratch.take(Scratch.GEMM_PACK_A, packASize(m, k));
            float[] pb = Scratch.take(Scratch.GEMM_PACK_B, packBSize(n, k));
            try {
                block(0, m, 0, n, k, packA, packB, c, cOff, ldc, accumulate, pa, pb, new float[MR * NR], bias);
            } finally {
                Scratch.release(Scratch.GEMM_PACK_A, pa);
                Scratch.release(Scratch.GEMM_PACK_B, pb);
            }
            return;
        }
        long sharedFloats = splitN ? (long) roundUp(m, MR) * k : (long) roundUp(n, NR) * k;
        boolean share = sharedFloats <= SHARED_MAX_FLOATS;
        PackA a = share && splitN ? new SharedA(Prepacked.ofA(p, m, k, packA)) : packA;
        PackB b = share && !splitN ? new SharedB(Prepacked.ofB(p, n, k, packB)) : packB;
        // guided chunks (each split into cache blocks by block()), at least a few micro-tiles
        int minUnits = Math.max(1, Math.min(MIN_CHUNK_UNITS, units / (4 * t)));
        int paSize = a instanceof SharedA ? 0 : kcMax(k) * Math.min(MC, roundUp(m, MR)); // >= packASize(any rows)
        int pbSize = b instanceof SharedB ? 0 : kcMax(k) * Math.min(NC, roundUp(n, NR)); // >= packBSize(any cols)
        p.forWorkers(units, minUnits, chunks -> {
            float[] pa = Scratch.take(Scratch.GEMM_PACK_A, paSize), pb = Scratch.take(Scratch.GEMM_PACK_B, pbSize);
            float[] edge = new float[MR * NR];
            try {
                int[] r = new int[2];
                while (chunks.claim(r)) {
                    if (splitN) {
                        block(0, m, r[0] * NR, Math.min(n, r[1] * NR), k, a, b, c, cOff, ldc, accumulate, pa, pb,
                                edge, bias);
                    } else {
                        block(r[0] * MR, Math.min(m, r[1] * MR), 0, n, k, a, b, c, cOff, ldc, accumulate, pa, pb,
                                edge, bias);
                    }
                }
            } finally {
                Scratch.release(Scratch.GEMM_PACK_A, pa);
                Scratch.release(Scratch.GEMM_PACK_B, pb);
            }
        });
    }

    /** Smallest chunk of a threaded product, in micro-tile rows or columns (8 x 3 rows, 8 x 24 columns). */
    private static final int MIN_CHUNK_UNITS = 8;

    /** Largest shared packed operand (floats, 32 MB): in SD these are weights or small maps. */
    static final long SHARED_MAX_FLOATS = 8L << 20;

    /**
     * An operand packed once in full, per K-block, as consecutive slivers over all its rows (A: MR-row slivers)
     * or columns (B: NR-column slivers), so any sliver-aligned block of it is one contiguous run that the
     * micro-kernels read in place. Its pack methods copy such a run out, for callers that want a copy.
     */
    static final class Prepacked {
        final float[] all;
        private final int base;
        private final int extent;
        private final int k;
        private final int kcMax;
        private final int unit;

        private Prepacked(float[] all, int base, int extent, int k, int unit) {
            this.all = all;
            this.base = base;
            this.extent = extent;
            this.k = k;
            this.kcMax = kcMax(k);
            this.unit = unit;
        }

        /**
         * An A [m, k] that the caller writes itself, from all[base] on, in this layout: K-block kb (depth
         * kcMax(k), the last one shorter) starts at base + kb * roundUp(m, MR) * kcMax(k) and holds the MR-row
         * slivers of all rows one after another, sliver s at + s * kc * MR, element (l, r) at + l * MR + r
         * ({@link #offset} gives where a sliver of a K-block starts).
         */
        static Prepacked layoutA(float[] all, int base, int m, int k) {
            return new Prepacked(all, base, m, k, MR);
        }

        /** A B [k, n] that the caller writes itself from all[base] on: as {@link #layoutA} with NR-column slivers. */
        static Prepacked layoutB(float[] all, int base, int n, int k) {
            return new Prepacked(all, base, n, k, NR);
        }

        /** A [m, k] packed with p's threads (into this thread's shared-operand buffer). */
        static Prepacked ofA(Parallel p, int m, int k, PackA packA) {
            return pack(p, new Prepacked(sharedBuffer(roundUp(m, MR), k), 0, m, k, MR), MC,
                    (i0, len, k0, kc, dst) -> packA.pack(i0, len, k0, kc, dst));
        }

        /** B [k, n] packed with p's threads (into this thread's shared-operand buffer). */
        static Prepacked ofB(Parallel p, int n, int k, PackB packB) {
            return ofB(p, n, k, packB, sharedBuffer(roundUp(n, NR), k), 0);
        }

        /** B [k, n] packed with p's threads into the caller's buffer from all[base] on (layout of {@link #layoutB}). */
        static Prepacked ofB(Parallel p, int n, int k, PackB packB, float[] all, int base) {
            return pack(p, new Prepacked(all, base, n, k, NR), ncMax(n),
                    (j0, len, k0, kc, dst) -> packB.pack(k0, kc, j0, len, dst));
        }

        /** The calling thread's buffer for a shared operand (stale; {@link #pack} overwrites all it reads). */
        private static float[] sharedBuffer(int padded, int k) {
            return Scratch.floats(Scratch.GEMM_SHARED, Math.multiplyExact(padded, k));
        }

        private interface Packer {
            void pack(int x0, int len, int k0, int kc, float[] dst);
        }

        /** Fills pp's whole layout with packer's blocks (at most blockMax wide), on all threads. */
        private static Prepacked pack(Parallel p, Prepacked pp, int blockMax, Packer packer) {
            int extent = pp.extent, k = pp.k, unit = pp.unit, kcMax = pp.kcMax;
            int padded = roundUp(extent, unit);
            int kBlocks = ceilDiv(k, kcMax);
            // enough blocks that all threads pack (a single 320 x 320 weight would otherwise be one serial task)
            int block = roundUp(Math.min(blockMax, Math.max(unit, ceilDiv(padded, PREPACK_TASKS))), unit);
            int xBlocks = ceilDiv(extent, block);
            p.forRange(0, kBlocks * xBlocks, (lo, hi) -> {
                float[] tmp = Scratch.take(Scratch.GEMM_PREPACK, kcMax * block);
                try {
                    for (int i = lo; i < hi; i++) {
                        int kb = i / xBlocks, x0 = (i % xBlocks) * block;
                        int kc = Math.min(kcMax, k - kb * kcMax), len = Math.min(block, extent - x0);
                        packer.pack(x0, len, kb * kcMax, kc, tmp);
                        System.arraycopy(tmp, 0, pp.all, pp.offset(kb * kcMax, kc, x0), roundUp(len, unit) * kc);
                    }
                } finally {
                    Scratch.release(Scratch.GEMM_PREPACK, tmp);
                }
            });
            return pp;
        }

        /** Blocks per K-block that prepacking is cut into, so that every thread takes part. */
        private static final int PREPACK_TASKS = 8;

        /** Where the panel of rows/columns starting at x0 (a multiple of the sliver width) of K-block k0 starts. */
        int offset(int k0, int kc, int x0) {
            if (k0 % kcMax != 0 || x0 % unit != 0) {
                throw new IllegalStateException("prepacked operand asked for an unaligned panel: k0=" + k0 + " x0=" + x0);
            }
            return base + (int) panelOffset(extent, k, unit, k0, kc, x0);
        }

        /** Copies the panel at (k0, x0) of len rows/columns out, in the layout a packer writes. */
        void copy(int k0, int kc, int x0, int len, float[] dst) {
            System.arraycopy(all, offset(k0, kc, x0), dst, 0, roundUp(len, unit) * kc);
        }
    }

    /**
     * The packed layout of an operand of extent rows (A) or columns (B) and depth k, in slivers of unit: K-block kb
     * (depth kcMax(k), the last one shorter) at kb * roundUp(extent, unit) * kcMax(k), holding the slivers of all
     * rows/columns one after another, the one starting at x0 (a multiple of unit) at + x0 * kc, element (l, r) at
     * + l * unit + r. Returns where that sliver of the K-block starting at k0 begins. Used for float panels
     * ({@link Prepacked}) and for fp16 weights kept packed ({@link ConvWeights}, {@link LinearWeights}).
     */
    static long panelOffset(int extent, int k, int unit, int k0, int kc, int x0) {
        int kcMax = kcMax(k);
        return (long) (k0 / kcMax) * roundUp(extent, unit) * kcMax + (long) x0 * kc;
    }

    /** A prepacked A: {@link #block} reads its panels in place; as a packer it copies them out. */
    record SharedA(Prepacked packed) implements PackA {
        @Override
        public void pack(int i0, int mc, int k0, int kc, float[] dst) {
            packed.copy(k0, kc, i0, mc, dst);
        }
    }

    /** A prepacked B: {@link #block} reads its panels in place; as a packer it copies them out. */
    record SharedB(Prepacked packed) implements PackB {
        @Override
        public void pack(int k0, int kc, int j0, int nc, float[] dst) {
            packed.copy(k0, kc, j0, nc, dst);
        }
    }

    /**
     * Depth of the K-blocks: up to 640 in one block (SD's 320- and 640-channel layers: the C tile is then written
     * once instead of loaded and stored per block, and C of a linear layer is megabytes, so each reload misses the
     * caches; the B sliver, 30-60 KB, then streams from L2, which the micro-kernel alone shows no loss from).
     * Measured: single-threaded on M=4096, N=320|1280, K=320: 77-82 GFLOP/s against 65-68 with 2 x 160; 1024 x
     * 640 -> 5120 single-threaded 78-80 against 64-67 with 3 x 214; the UNet's 1024-token linear layers with both
     * threads (AbLinear, 16 rounds) median 0.51 against 0.56 s; 1280 in one block was 1.26x slower on the
     * 256-token ones (AbLinearSmall). Deeper products run in even blocks of at most KC (2880 -> 12 x 240).
     */
    static int kcMax(int k) {
        return k <= SINGLE_BLOCK_K ? k : ceilDiv(k, ceilDiv(k, KC));
    }

    /** Products at most this deep run as one K-block (see {@link #kcMax}). */
    static final int SINGLE_BLOCK_K = 640;

    private static int ncMax(int n) {
        return roundUp(ceilDiv(n, ceilDiv(n, NC)), NR);
    }

    private static int mcMax(int m) {
        // equal M-blocks (e.g. 320 rows -> 2 x 160, not 255 + 65) so each B sliver is fetched as few times as possible
        return roundUp(ceilDiv(m, ceilDiv(m, MC)), MR);
    }

    /** Floats of packed-A scratch {@link #block} needs for a block of m rows and depth k. */
    static int packASize(int m, int k) {
        return kcMax(k) * mcMax(m);
    }

    /** Floats of packed-B scratch {@link #block} needs for a block of n columns and depth k. */
    static int packBSize(int n, int k) {
        return kcMax(k) * ncMax(n);
    }

    /**
     * Single-threaded loop nest over C[i0..i1, j0..j1] with caller-owned scratch (pa >= packASize(i1-i0, k),
     * pb >= packBSize(j1-j0, k), edge >= MR*NR), also for callers that run many small products back to back
     * (Winograd's per-point GEMMs).
     */
    static void block(int i0, int i1, int j0, int j1, int k, PackA packA, PackB packB, float[] c, int cOff, int ldc,
                      boolean accumulate, float[] pa, float[] pb, float[] edge) {
        block(i0, i1, j0, j1, k, packA, packB, c, cOff, ldc, accumulate, pa, pb, edge, null);
    }

    /** As above, adding bias (null: none) to each tile after its first K-block. */
    static void block(int i0, int i1, int j0, int j1, int k, PackA packA, PackB packB, float[] c, int cOff, int ldc,
                      boolean accumulate, float[] pa, float[] pb, float[] edge, Bias bias) {
        if (i1 <= i0 || j1 <= j0) {
            return;
        }
        int kcMax = kcMax(k);
        int ncMax = ncMax(j1 - j0);
        int mcMax = mcMax(i1 - i0);
        for (int jc = j0; jc < j1; jc += ncMax) {
            int nc = Math.min(ncMax, j1 - jc);
            for (int pc = 0; pc < k; pc += kcMax) {
                int kc = Math.min(kcMax, k - pc);
                boolean load = accumulate || pc > 0;
                float[] bArr = pb;
                int bBase = 0;
                if (packB instanceof SharedB sb) {
                    bArr = sb.packed().all;
                    bBase = sb.packed().offset(pc, kc, jc);
                } else {
                    packB.pack(pc, kc, jc, nc, pb);
                }
                for (int ic = i0; ic < i1; ic += mcMax) {
                    int mc = Math.min(mcMax, i1 - ic);
                    float[] aArr = pa;
                    int aBase = 0;
                    if (packA instanceof SharedA sa) {
                        aArr = sa.packed().all;
                        aBase = sa.packed().offset(pc, kc, ic);
                    } else {
                        packA.pack(ic, mc, pc, kc, pa);
                    }
                    for (int jr = 0; jr < nc; jr += NR) {
                        int nr = Math.min(NR, nc - jr);
                        int pbOff = bBase + (jr / NR) * kc * NR;
                        for (int ir = 0; ir < mc; ir += MR) {
                            int mr = Math.min(MR, mc - ir);
                            int paOff = aBase + (ir / MR) * kc * MR;
                            int cIdx = cOff + (ic + ir) * ldc + jc + jr;
                            if (mr == MR && nr == NR) {
                                kernel(kc, aArr, paOff, bArr, pbOff, c, cIdx, ldc, load);
                            } else if (mr == MR && nr == L) {
                                kernel1(kc, aArr, paOff, bArr, pbOff, c, cIdx, ldc, load);
                            } else {
                                kernel(kc, aArr, paOff, bArr, pbOff, edge, 0, NR, false);
                                copyEdge(edge, mr, nr, c, cIdx, ldc, load);
                            }
                            if (bias != null && pc == 0) {
                                bias.addTo(c, cIdx, ldc, ic + ir, mr, jc + jr, nr);
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * The micro-kernel: C[0..MR, 0..NR] (+)= sum_l pa[l*MR + r] * pb[l*NR + j] with 9 vector accumulators.
     * Why 3x3 vectors and not the classic 6x2: C2 hoists every broadcast to the top of the loop body, so 6x2 needs
     * 12 + 2 + 6 = 20 registers and spills an accumulator (halving speed); 3x3 needs 9 + 3 + 3 = 15 of AVX2's 16,
     * and 9 independent FMA chains still cover the FMA latency (4 cycles x 2 pipes).
     * Measured on Zen 3 (AVX2, kernel alone, L1/L2-resident panels, GFLOP per thread CPU-second): this 3x3 ~85-90;
     * 4x3 ~42, 6x2 ~43, 16-row x 6 (B broadcast) ~40, 4x3 with pre-broadcast A or an aliased B ~38, 4x3 with K
     * unrolled by 2 ~50-60 and even this 3x3 unrolled by 2 ~48: in every case C2 schedules all loads of the body
     * first and spills. Anything needing more than 16 ymm registers with the loads hoisted loses.
     * The loop runs on two induction variables (A and B offsets stepped by MR and NR) rather than on l with both
     * offsets computed from it: C2 then emits 5 scalar instructions per iteration instead of 10 (lea/shl/lea/add for
     * l*NR + pbOff, lea/add for l*MR + paOff, sign extension, increment, compare, branch), and the 24-instruction
     * body was close to the core's dispatch width per 4.5 cycles of FMAs. Same operations in the same order (same
     * bits); kernel alone, one thread, L1-resident panels, 7 alternations in one JVM: 1.04-1.28x, median 1.10.
     */
    static void kernel(int kc, float[] pa, int paOff, float[] pb, int pbOff, float[] c, int cOff, int ldc,
                       boolean load) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c02 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S), c12 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S), c22 = FloatVector.zero(S);
        int aEnd = paOff + kc * MR;
        for (int ai = paOff, bi = pbOff; ai < aEnd; ai += MR, bi += NR) { // induction variables: see above
            FloatVector b0 = FloatVector.fromArray(S, pb, bi);
            FloatVector b1 = FloatVector.fromArray(S, pb, bi + L);
            FloatVector b2 = FloatVector.fromArray(S, pb, bi + 2 * L);
            FloatVector a = FloatVector.broadcast(S, pa[ai]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            c02 = a.fma(b2, c02);
            a = FloatVector.broadcast(S, pa[ai + 1]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            c12 = a.fma(b2, c12);
            a = FloatVector.broadcast(S, pa[ai + 2]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            c22 = a.fma(b2, c22);
        }
        store(c00, c01, c02, c, cOff, load);
        store(c10, c11, c12, c, cOff + ldc, load);
        store(c20, c21, c22, c, cOff + 2 * ldc, load);
    }

    /**
     * Right-edge micro-kernel for a sliver with one vector of real columns (e.g. N = 320): C[0..MR, 0..L].
     * A sliver with two real vectors (N = 64 or 640) instead runs the full kernel into the edge buffer: a 3 x 2
     * kernel (6 FMA chains, under the 8 that 2 pipes x 4 cycles of latency need) took 1.28x the time of a full
     * 24-column sliver for its 16 columns. Measured with fp32 operands, M = 1280, K = 11520, 2 threads, 20
     * alternations: N = 72 (three full slivers) took 0.92x the time of N = 64 with that kernel; in-process A/B of
     * the 8x8 / 16x16 / 32x32 convolutions (all N = 64 products) 0.91, of the 640- and 2560-column linear layers
     * 0.94. This one stays: with 8 columns the full kernel would do 3x the work (without it: 1.03x slower).
     */
    static void kernel1(int kc, float[] pa, int paOff, float[] pb, int pbOff, float[] c, int cOff, int ldc,
                        boolean load) {
        FloatVector c0 = FloatVector.zero(S), c1 = FloatVector.zero(S), c2 = FloatVector.zero(S);
        FloatVector d0 = FloatVector.zero(S), d1 = FloatVector.zero(S), d2 = FloatVector.zero(S);
        int l = 0;
        int ai = paOff, bi = pbOff;
        for (; l + 1 < kc; l += 2, ai += 2 * MR, bi += 2 * NR) { // two chains per row: 3 alone wait on FMA latency
            FloatVector b = FloatVector.fromArray(S, pb, bi);
            FloatVector e = FloatVector.fromArray(S, pb, bi + NR);
            c0 = FloatVector.broadcast(S, pa[ai]).fma(b, c0);
            c1 = FloatVector.broadcast(S, pa[ai + 1]).fma(b, c1);
            c2 = FloatVector.broadcast(S, pa[ai + 2]).fma(b, c2);
            d0 = FloatVector.broadcast(S, pa[ai + MR]).fma(e, d0);
            d1 = FloatVector.broadcast(S, pa[ai + MR + 1]).fma(e, d1);
            d2 = FloatVector.broadcast(S, pa[ai + MR + 2]).fma(e, d2);
        }
        if (l < kc) {
            FloatVector b = FloatVector.fromArray(S, pb, bi);
            c0 = FloatVector.broadcast(S, pa[ai]).fma(b, c0);
            c1 = FloatVector.broadcast(S, pa[ai + 1]).fma(b, c1);
            c2 = FloatVector.broadcast(S, pa[ai + 2]).fma(b, c2);
        }
        store(c0.add(d0), c, cOff, load);
        store(c1.add(d1), c, cOff + ldc, load);
        store(c2.add(d2), c, cOff + 2 * ldc, load);
    }

    /** C[0..mr, 0..nr] (+)= the edge buffer's tile (rows NR apart): whole vectors first, then single columns. */
    private static void copyEdge(float[] edge, int mr, int nr, float[] c, int cIdx, int ldc, boolean load) {
        for (int r = 0; r < mr; r++) {
            int row = cIdx + r * ldc;
            int jj = 0;
            for (; jj + L <= nr; jj += L) {
                store(FloatVector.fromArray(S, edge, r * NR + jj), c, row + jj, load);
            }
            for (; jj < nr; jj++) {
                c[row + jj] = load ? c[row + jj] + edge[r * NR + jj] : edge[r * NR + jj];
            }
        }
    }

    private static void store(FloatVector v, float[] c, int off, boolean load) {
        if (load) {
            v = v.add(FloatVector.fromArray(S, c, off));
        }
        v.intoArray(c, off);
    }

    private static void store(FloatVector v0, FloatVector v1, FloatVector v2, float[] c, int off, boolean load) {
        if (load) {
            v0 = v0.add(FloatVector.fromArray(S, c, off));
            v1 = v1.add(FloatVector.fromArray(S, c, off + L));
            v2 = v2.add(FloatVector.fromArray(S, c, off + 2 * L));
        }
        v0.intoArray(c, off);
        v1.intoArray(c, off + L);
        v2.intoArray(c, off + 2 * L);
    }

    // ---- packers for plain row-major operands ----

    /** A row-major [M, K] with leading dimension lda. */
    static PackA rowMajorA(float[] a, int aOff, int lda) {
        return (i0, mc, k0, kc, dst) -> packRows(a, aOff + i0 * lda + k0, lda, mc, kc, dst, 0);
    }

    /**
     * Rows [0, mc) x columns [0, kc) of the row-major matrix at a[src] (leading dimension lda) as MR-row slivers
     * from dst[base] on: sliver s (rows s .. s + MR) at base + s * kc, element (l, r) at + l * MR + r; rows past mc
     * are zeros.
     */
    static void packRows(float[] a, int src, int lda, int mc, int kc, float[] dst, int base) {
        for (int s = 0; s < mc; s += MR) {
            int at = base + s * kc;
            int rows = Math.min(MR, mc - s);
            if (rows == MR) {
                packSliver(a, src + s * lda, lda, kc, dst, at);
                continue;
            }
            for (int r = 0; r < MR; r++) {
                int row = src + (s + r) * lda;
                for (int l = 0; l < kc; l++) {
                    dst[at + l * MR + r] = r < rows ? a[row + l] : 0f;
                }
            }
        }
    }

    // 3-way interleave of 8 columns from rows x, y, z into [x0 y0 z0 x1 y1 z1 x2 y2 | z2 x3 y3 z3 x4 y4 z4 x5 |
    // y5 z5 x6 y6 z6 x7 y7 z7]: each output vector is one lane permutation of x, y and z, blended by lane.
    private static final VectorShuffle<Float> SPREAD0 = S.length() == 8
            ? VectorShuffle.fromValues(S, 0, 0, 0, 1, 1, 1, 2, 2) : null;
    private static final VectorShuffle<Float> SPREAD1 = S.length() == 8
            ? VectorShuffle.fromValues(S, 2, 3, 3, 3, 4, 4, 4, 5) : null;
    private static final VectorShuffle<Float> SPREAD2 = S.length() == 8
            ? VectorShuffle.fromValues(S, 5, 5, 6, 6, 6, 7, 7, 7) : null;
    private static final VectorMask<Float> LANES_036 = laneMask(0);
    private static final VectorMask<Float> LANES_147 = laneMask(1);
    private static final VectorMask<Float> LANES_25 = laneMask(2);

    private static VectorMask<Float> laneMask(int phase) {
        boolean[] bits = new boolean[S.length()];
        for (int i = phase; i < bits.length; i += 3) {
            bits[i] = true;
        }
        return VectorMask.fromArray(S, bits, 0);
    }

    /**
     * One full A sliver: rows src, src+lda, src+2*lda, columns [0, kc) -> dst[base + l*MR + r]. With 8-lane
     * vectors (AVX2) eight columns of the three rows are interleaved in registers (about 1.7x the scalar loop).
     */
    static void packSliver(float[] a, int src, int lda, int kc, float[] dst, int base) {
        int src1 = src + lda;
        int src2 = src1 + lda;
        int l = 0;
        if (MR == 3 && L == 8) {
            for (; l + 8 <= kc; l += 8) {
                interleave3(FloatVector.fromArray(S, a, src + l), FloatVector.fromArray(S, a, src1 + l),
                        FloatVector.fromArray(S, a, src2 + l), dst, base + l * MR);
            }
        }
        for (; l < kc; l++) {
            int d = base + l * MR;
            dst[d] = a[src + l];
            dst[d + 1] = a[src1 + l];
            dst[d + 2] = a[src2 + l];
        }
    }

    /** Writes x0 y0 z0 x1 y1 z1 ... x7 y7 z7 (three 8-lane vectors interleaved) to dst[d .. d + 24). */
    private static void interleave3(FloatVector x, FloatVector y, FloatVector z, float[] dst, int d) {
        x.rearrange(SPREAD0).blend(y.rearrange(SPREAD0), LANES_147).blend(z.rearrange(SPREAD0), LANES_25)
                .intoArray(dst, d);
        z.rearrange(SPREAD1).blend(x.rearrange(SPREAD1), LANES_147).blend(y.rearrange(SPREAD1), LANES_25)
                .intoArray(dst, d + L);
        y.rearrange(SPREAD2).blend(z.rearrange(SPREAD2), LANES_147).blend(x.rearrange(SPREAD2), LANES_25)
                .intoArray(dst, d + 2 * L);
    }

    /** B row-major [K, N] with leading dimension ldb. */
    static PackB rowMajorB(float[] b, int bOff, int ldb) {
        return (k0, kc, j0, nc, dst) -> {
            for (int s = 0; s < nc; s += NR) {
                int base = s * kc;
                int cols = Math.min(NR, nc - s);
                if (cols == NR) {
                    for (int l = 0; l < kc; l++) {
                        int src = bOff + (k0 + l) * ldb + j0 + s;
                        FloatVector.fromArray(S, b, src).intoArray(dst, base + l * NR);
                        FloatVector.fromArray(S, b, src + L).intoArray(dst, base + l * NR + L);
                        FloatVector.fromArray(S, b, src + 2 * L).intoArray(dst, base + l * NR + 2 * L);
                    }
                } else {
                    for (int l = 0; l < kc; l++) {
                        int src = bOff + (k0 + l) * ldb + j0 + s;
                        int d = base + l * NR;
                        for (int jj = 0; jj < cols; jj++) {
                            dst[d + jj] = b[src + jj];
                        }
                        for (int jj = cols; jj < NR; jj++) {
                            dst[d + jj] = 0f;
                        }
                    }
                }
            }
        };
    }

    /** B given transposed: bt row-major [N, K] with leading dimension ldb, so B[l, j] = bt[j*ldb + l]. */
    static PackB transposedB(float[] bt, int bOff, int ldb) {
        return (k0, kc, j0, nc, dst) -> {
            for (int s = 0; s < nc; s += NR) {
                int base = s * kc;
                int cols = Math.min(NR, nc - s);
                for (int jj = 0; jj < cols; jj++) {
                    int src = bOff + (j0 + s + jj) * ldb + k0;
                    for (int l = 0; l < kc; l++) {
                        dst[base + l * NR + jj] = bt[src + l];
                    }
                }
                for (int jj = cols; jj < NR; jj++) {
                    for (int l = 0; l < kc; l++) {
                        dst[base + l * NR + jj] = 0f;
                    }
                }
            }
        };
    }

    /** A row-major [M, K] of IEEE fp16 bits (weights kept at half size); widened to float while packing. */
    static PackA rowMajorAHalf(MemorySegment a, int aOff, int lda) {
        return (i0, mc, k0, kc, dst) -> {
            float[] rows3 = new float[MR * kc];
            for (int s = 0; s < mc; s += MR) {
                int rows = Math.min(MR, mc - s);
                for (int r = 0; r < MR; r++) {
                    if (r < rows) {
                        Fp16.widen(a, aOff + (long) (i0 + s + r) * lda + k0, kc, rows3, r * kc);
                    } else {
                        java.util.Arrays.fill(rows3, r * kc, (r + 1) * kc, 0f);
                    }
                }
                packSliver(rows3, 0, kc, kc, dst, s * kc);
            }
        };
    }

    /**
     * B row-major [K, N] as fp16 bits (Linear weights stored transposed, [in, out]): each row's columns are widened
     * out of the segment in one run, then copied into the sliver layout (no transposition, no scatter).
     */
    static PackB rowMajorBHalf(MemorySegment b, int bOff, int ldb) {
        return (k0, kc, j0, nc, dst) -> {
            float[] row = new float[nc];
            for (int l = 0; l < kc; l++) {
                Fp16.widen(b, bOff + (long) (k0 + l) * ldb + j0, nc, row, 0);
                for (int s = 0; s < nc; s += NR) {
                    int d = s * kc + l * NR;
                    int cols = Math.min(NR, nc - s);
                    System.arraycopy(row, s, dst, d, cols);
                    if (cols < NR) {
                        java.util.Arrays.fill(dst, d + cols, d + NR, 0f);
                    }
                }
            }
        };
    }

    /** B given transposed as fp16 bits: bt row-major [N, K], B[l, j] = bt[j*ldb + l]; widened while packing. */
    static PackB transposedBHalf(MemorySegment bt, int bOff, int ldb) {
        return (k0, kc, j0, nc, dst) -> {
            float[] run = new float[kc]; // one row of bt widened in one run, then scattered down the sliver
            for (int s = 0; s < nc; s += NR) {
                int base = s * kc;
                int cols = Math.min(NR, nc - s);
                for (int jj = 0; jj < cols; jj++) {
                    Fp16.widen(bt, bOff + (long) (j0 + s + jj) * ldb + k0, kc, run, 0);
                    for (int l = 0; l < kc; l++) {
                        dst[base + l * NR + jj] = run[l];
                    }
                }
                for (int jj = cols; jj < NR; jj++) {
                    for (int l = 0; l < kc; l++) {
                        dst[base + l * NR + jj] = 0f;
                    }
                }
            }
        };
    }

    static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    static int roundUp(int a, int b) {
        return ceilDiv(a, b) * b;
    }
}
