// Winograd minimal-filtering convolution for 3x3 kernels, stride 1, pad 1 (Lavin & Gray 2016, F(m x m, 3 x 3)):
// an m x m output tile costs (m+2)^2 multiplies per (in, out) channel pair instead of 9 m^2, done as (m+2)^2
// independent GEMMs [O x C] . [C x tiles] on transformed weights U = G g G^T and inputs V = B^T d B, then Y = A^T M A.
package rerender.tensor.kernels;

import java.lang.foreign.MemorySegment;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

final class Winograd3x3 {
    private Winograd3x3() {
    }

    private static final VectorSpecies<Float> S = BlockedGemm.S;
    private static final int L = BlockedGemm.L;
    /** Upper bound on the floats of one chunk's transformed input (or output) buffer: 16 MB, L3-sized. */
    private static final int CHUNK_FLOATS = 4 << 20;
    /** Tiles per chunk we aim for: wide enough for the GEMM's N-blocking, small enough for the caches. */
    private static final int TARGET_TILES = 512;

    /** Tile variant: output tile m x m from an alpha x alpha input tile (alpha = m + 2). */
    enum Tile {
        /** F(2x2, 3x3): 16 products per 4 outputs (2.25x fewer multiplies); transforms use only +-1. */
        F2(2, new double[][] {{1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}},
                new double[][] {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}},
                new double[][] {{1, 1, 1, 0}, {0, 1, -1, -1}}),
        /** F(4x4, 3x3) with points 0, +-1, +-2, inf: 36 products per 16 outputs (4x fewer multiplies). */
        F4(4, new double[][] {
                {4, 0, -5, 0, 1, 0},
                {0, -4, -4, 1, 1, 0},
                {0, 4, -4, -1, 1, 0},
                {0, -2, -1, 2, 1, 0},
                {0, 2, -1, -2, 1, 0},
                {0, 4, 0, -5, 0, 1}},
                new double[][] {
                        {1 / 4.0, 0, 0},
                        {-1 / 6.0, -1 / 6.0, -1 / 6.0},
                        {-1 / 6.0, 1 / 6.0, -1 / 6.0},
                        {1 / 24.0, 1 / 12.0, 1 / 6.0},
                        {1 / 24.0, -1 / 12.0, 1 / 6.0},
                        {0, 0, 1}},
                new double[][] {
                        {1, 1, 1, 1, 1, 0},
                        {0, 1, -1, 2, -2, 0},
                        {0, 1, 1, 4, 4, 0},
                        {0, 1, -1, 8, -8, 1}});

        final int m;
        final int alpha;
        final Sparse gs; // [alpha][3]
        final Sparse bt; // [alpha][alpha]
        final Sparse at; // [m][alpha]

        Tile(int m, double[][] bt, double[][] g, double[][] at) {
            this.m = m;
            this.alpha = m + 2;
            this.gs = new Sparse(g);
            this.bt = new Sparse(bt);
            this.at = new Sparse(at);
        }
    }

    /** A small constant matrix as per-row lists of its non-zero entries (the transforms are mostly zeros and +-1). */
    static final class Sparse {
        final int[][] idx;
        final float[][] val;

        Sparse(double[][] a) {
            idx = new int[a.length][];
            val = new float[a.length][];
            for (int r = 0; r < a.length; r++) {
                int nz = 0;
                for (double v : a[r]) {
                    nz += v != 0 ? 1 : 0;
                }
                idx[r] = new int[nz];
                val[r] = new float[nz];
                for (int j = 0, q = 0; j < a[r].length; j++) {
                    if (a[r][j] != 0) {
                        idx[r][q] = j;
                        val[r][q++] = (float) a[r][j];
                    }
                }
            }
        }
    }

    /**
     * y [N, O, H, W] = conv3x3(x [N, C, H, W], weight [O, C*3*3] (any storage; widened during the weight
     * transform), stride 1, pad 1) + bias; bias [O] or null.
     */
    static float[] forward(Parallel p, float[] x, int n, int c, int h, int w, ConvWeights weight, int o, float[] bias,
                           Tile tile) {
        int m = tile.m;
        int a2 = tile.alpha * tile.alpha;
        int tilesW = (w + m - 1) / m;
        int tilesH = (h + m - 1) / m;
        if (fused(h, w, tile)) {
            return forwardFused(p, x, n, c, h, w, weight, o, bias, tile);
        }
        int uPoint = BlockedGemm.roundUp(o, BlockedGemm.MR) * c; // floats of one point's packed [O, C]
        float[] u = Scratch.floats(Scratch.WINOGRAD_U, Math.multiplyExact(a2, uPoint));
        transformWeights(p, weight, o, c, tile, u);
        int maxT = Math.max(tilesW, Math.min(TARGET_TILES, CHUNK_FLOATS / (a2 * Math.max(c, o))));
        int rowsMax = Math.max(1, Math.min(tilesH, maxT / tilesW));
        int rows = BlockedGemm.ceilDiv(tilesH, BlockedGemm.ceilDiv(tilesH, rowsMax)); // tile rows per chunk, evened
        int tMax = rows * tilesW;
        float[] v = Scratch.floats(Scratch.WINOGRAD_V, a2 * c * tMax); // [alpha^2, C, T]
        float[] mm = Scratch.floats(Scratch.WINOGRAD_M, a2 * o * tMax); // [alpha^2, O, T]
        float[] y = new float[Math.multiplyExact(Math.multiplyExact(n, o), h * w)];
        for (int b = 0; b < n; b++) {
            int xOff = b * c * h * w;
            int yOff = b * o * h * w;
            for (int ty0 = 0; ty0 < tilesH; ty0 += rows) {
                int ty1 = Math.min(tilesH, ty0 + rows);
                int t = (ty1 - ty0) * tilesW;
                int ty0f = ty0;
                p.forRange(0, c, (lo, hi) -> inputTransform(x, xOff, h, w, tile, tilesW, ty0f, t, lo, hi, v, c));
                // the alpha^2 independent products, claimed one by one (dynamic: the cores' speeds differ)
                p.forWorkers(a2, 1, work -> {
                    float[] pa = new float[0]; // A is prepacked
                    float[] pb = Scratch.take(Scratch.GEMM_PACK_B, BlockedGemm.packBSize(t, c));
                    float[] edge = new float[BlockedGemm.MR * BlockedGemm.NR];
                    try {
                        int[] r = new int[2];
                        while (work.claim(r)) {
                            for (int xi = r[0]; xi < r[1]; xi++) { // U is read in place, already in sliver layout
                                BlockedGemm.block(0, o, 0, t, c,
                                        new BlockedGemm.SharedA(BlockedGemm.Prepacked.layoutA(u, xi * uPoint, o, c)),
                                        BlockedGemm.rowMajorB(v, xi * c * t, t), mm, xi * o * t, t, false, pa, pb,
                                        edge);
                            }
                        }
                    } finally {
                        Scratch.release(Scratch.GEMM_PACK_B, pb);
                    }
                });
                p.forRange(0, o, (lo, hi) -> outputTransform(mm, tile, tilesW, ty0f, t, lo, hi, o, bias, y, yOff,
                        h, w));
            }
        }
        return y;
    }

    /**
     * U[xi] = (G g G^T)[xi] for every 3x3 filter g = weight[oc, ic], written straight in the GEMM's packed-A
     * layout (see {@link BlockedGemm.Prepacked#layoutA}; point xi from u[xi * roundUp(O, MR) * C] on), so the
     * per-point products read it in place instead of packing it again. Per sliver of MR output channels the
     * transform runs vectorised over L input channels into a [alpha^2, MR, C] buffer, which packSliver then
     * interleaves. Float arithmetic; G's entries are exact up to float rounding of 1/6, 1/12.
     */
    static void transformWeights(Parallel p, ConvWeights weight, int o, int c, Tile tile, float[] u) {
        transformWeights(p, weight, o, c, tile, u, tile == Tile.F4);
    }

    /** As above; specialised selects the F(4x4) code with G written out ({@link WeightTransform#sliverF4}). */
    static void transformWeights(Parallel p, ConvWeights weight, int o, int c, Tile tile, float[] u,
                                 boolean specialised) {
        if (specialised && tile != Tile.F4) {
            throw new IllegalArgumentException("only F(4x4) has a specialised weight transform");
        }
        int uPoint = BlockedGemm.roundUp(o, BlockedGemm.MR) * c;
        p.forRange(0, BlockedGemm.ceilDiv(o, BlockedGemm.MR), (lo, hi) -> {
            WeightTransform wt = new WeightTransform(weight, o, c, tile);
            for (int sl = lo; sl < hi; sl++) {
                if (specialised) {
                    wt.sliverF4(sl, u, uPoint);
                } else {
                    wt.sliver(sl, u, uPoint);
                }
            }
        });
    }

    /** One thread's transform of filter slivers (MR output channels at a time) with its work buffers. */
    private static final class WeightTransform {
        final ConvWeights weight;
        final int o;
        final int c;
        final Tile tile;
        final int a2;
        final float[] f = new float[9 * L]; // f[q, lane] = weight[oc, ic0 + lane, q]
        final float[] tmp;                  // (G f)[i, j]
        final float[] rows;                 // U of one sliver: [xi, r, ic]
        final float[] filters;              // the sliver's filters, widened: [r, ic * 9 + q] (see ConvWeights.sliver)
        final short[] bits;
        float[] taps; // sliverF4's buffers, made on first use: filters tap-major [r][q][ic], G g, U
        float[] gf;
        float[] uu;

        WeightTransform(ConvWeights weight, int o, int c, Tile tile) {
            this.weight = weight;
            this.o = o;
            this.c = c;
            this.tile = tile;
            this.a2 = tile.alpha * tile.alpha;
            tmp = new float[tile.alpha * 3 * L];
            // kept per thread between calls (see Scratch); one WeightTransform at a time per thread
            rows = Scratch.floats(Scratch.WINOGRAD_ROWS, a2 * BlockedGemm.MR * c);
            filters = Scratch.floats(Scratch.WINOGRAD_FILTERS, BlockedGemm.MR * c * 9);
            bits = new short[BlockedGemm.MR * c * 9];
        }

        /**
         * U of filter sliver sl (output channels sl*MR ..) for every point, packed into u: point xi's [O, C]
         * A operand (layout of {@link BlockedGemm.Prepacked#layoutA}) starts at u[xi * uPoint].
         */
        void sliver(int sl, float[] u, int uPoint) {
            int mr = BlockedGemm.MR;
            int kcMax = BlockedGemm.kcMax(c);
            weight.sliver(sl, 0, c * 9, filters, bits); // rows past the last channel come back as zeros
            for (int r = 0; r < mr; r++) {
                transformRow(filters, r * c * 9, c, tile.gs, tile.alpha, f, tmp, rows, r);
            }
            for (int xi = 0; xi < a2; xi++) {
                BlockedGemm.Prepacked point = BlockedGemm.Prepacked.layoutA(u, xi * uPoint, o, c);
                for (int k0 = 0; k0 < c; k0 += kcMax) {
                    int kc = Math.min(kcMax, c - k0);
                    BlockedGemm.packSliver(rows, xi * mr * c + k0, c, kc, u, point.offset(k0, kc, sl * mr));
                }
            }
        }

        /**
         * {@link #sliver} for F(4x4, 3x3) with G's products written out and shared (G g and then (G g) G^T, each
         * row of three giving six: a/4, -(a+b+c)/6, -(a-b+c)/6, a/24 + b/12 + c/6, a/24 - b/12 + c/6, c), vectorised
         * over L input channels read tap-major, and the three rows' U interleaved straight into the packed layout.
         * The general code looks its coefficients up in sparse tables and goes through a row buffer: 40 % of a
         * 640-channel convolution at 32 x 32 was that transform (19.9 of 48.3 ms, 2 threads). This one takes
         * 0.59-0.70 of its time (alternating in one JVM, 10 rounds, 320..1920 channels, 1 and 2 threads); with two
         * threads what remains is mostly writing U (144 bytes per filter) to memory. Fusing the F4 transform into
         * the products as F2 does was tried and is 1.3-2.3x slower: one sliver of 36 points fills L2, so every
         * 3 output channels re-read all of V.
         */
        void sliverF4(int sl, float[] u, int uPoint) {
            int mr = BlockedGemm.MR;
            int kcMax = BlockedGemm.kcMax(c);
            int cPad = BlockedGemm.roundUp(c, L);
            if (taps == null) { // lanes past c hold stale values: computed on, never written out
                taps = Scratch.floats(Scratch.WINOGRAD_TAPS, mr * 9 * cPad);
                gf = new float[18 * L];
                uu = new float[36 * mr * L];
            }
            loadTaps(sl, 0, c, cPad);
            for (int ic0 = 0; ic0 < c; ic0 += L) {
                transformGroup(ic0, cPad);
                writeGroup(sl, ic0, kcMax, u, uPoint);
            }
        }

        /** taps[(r * 9 + q) * stride + ic - k0] = tap q of filter (row r of sliver sl, input channel ic). */
        private void loadTaps(int sl, int k0, int kc, int stride) {
            weight.sliver(sl, k0 * 9, (k0 + kc) * 9, filters, bits); // [r][(ic - k0) * 9 + q]; missing rows: zeros
            for (int r = 0; r < BlockedGemm.MR; r++) {
                for (int i = 0, src = r * kc * 9; i < kc; i++, src += 9) {
                    for (int q = 0; q < 9; q++) {
                        taps[(r * 9 + q) * stride + i] = filters[src + q];
                    }
                }
            }
        }

        /** U of channels [ic0, ic0 + L) for the sliver's three rows into uu[(xi * MR + r) * L] (kept small for C2). */
        private void transformGroup(int ic0, int cPad) {
            int mr = BlockedGemm.MR;
            for (int r = 0; r < mr; r++) {
                int t = r * 9 * cPad + ic0;
                for (int j = 0; j < 3; j++) { // G g: column j of the filter, rows combined
                    g6(FloatVector.fromArray(S, taps, t + j * cPad), FloatVector.fromArray(S, taps, t + (3 + j) * cPad),
                            FloatVector.fromArray(S, taps, t + (6 + j) * cPad), gf, j * L, 3 * L);
                }
                for (int i = 0; i < 6; i++) { // (G g) G^T: row i of G g, columns combined
                    int a = i * 3 * L;
                    g6(FloatVector.fromArray(S, gf, a), FloatVector.fromArray(S, gf, a + L),
                            FloatVector.fromArray(S, gf, a + 2 * L), uu, (i * 6 * mr + r) * L, mr * L);
                }
            }
        }

        /** uu of channels [ic0, ic0 + L) into the 36 points' packed operands (a separate method so that
         * interleave3 inlines: inside one large method C2 gave up on it and boxed the vectors). */
        private void writeGroup(int sl, int ic0, int kcMax, float[] u, int uPoint) {
            int mr = BlockedGemm.MR;
            int k0 = (ic0 / kcMax) * kcMax, kc = Math.min(kcMax, c - k0);
            if (ic0 + L <= k0 + kc) { // all L channels real and inside one K-block
                writeWhole((int) BlockedGemm.panelOffset(o, c, mr, k0, kc, sl * mr) + (ic0 - k0) * mr, u, uPoint);
                return;
            }
            for (int lane = 0; lane < L && ic0 + lane < c; lane++) {
                int ic = ic0 + lane, kb0 = (ic / kcMax) * kcMax, kbc = Math.min(kcMax, c - kb0);
                int at = (int) BlockedGemm.panelOffset(o, c, mr, kb0, kbc, sl * mr) + (ic - kb0) * mr;
                for (int xi = 0; xi < 36; xi++) {
                    for (int r = 0; r < mr; r++) {
                        u[xi * uPoint + at + r] = uu[(xi * mr + r) * L + lane];
                    }
                }
            }
        }

        /** Each point's three rows of L channels interleaved to u[xi * uPoint + at ..] (24 floats). */
        private void writeWhole(int at, float[] u, int uPoint) {
            for (int xi = 0, v = 0; xi < 36; xi++, v += BlockedGemm.MR * L) {
                BlockedGemm.interleave3(FloatVector.fromArray(S, uu, v), FloatVector.fromArray(S, uu, v + L),
                        FloatVector.fromArray(S, uu, v + 2 * L), u, xi * uPoint + at);
            }
        }

        private static final float SIXTH = 1f / 6, TWELFTH = 1f / 12, TWENTY_FOURTH = 1f / 24;

        /** The six rows of G (F(4x4, 3x3)) times (a, b, c), written to dst[off + i * stride]. */
        private static void g6(FloatVector a, FloatVector b, FloatVector c, float[] dst, int off, int stride) {
            FloatVector s = a.add(c);
            FloatVector w = c.mul(SIXTH).add(a.mul(TWENTY_FOURTH));
            FloatVector v = b.mul(TWELFTH);
            a.mul(0.25f).intoArray(dst, off);
            s.add(b).mul(-SIXTH).intoArray(dst, off + stride);
            s.sub(b).mul(-SIXTH).intoArray(dst, off + 2 * stride);
            w.add(v).intoArray(dst, off + 3 * stride);
            w.sub(v).intoArray(dst, off + 4 * stride);
            c.intoArray(dst, off + 5 * stride);
        }

        /**
         * F(2x2, 3x3) for input channels [k0, k0 + kc) of filter sliver sl, written out: per filter g (rows a, b, c)
         * the rows of G g are a, (a + b + c) / 2, (a - b + c) / 2, c, and U = (G g) G^T does the same to each row.
         * The 16 values go straight into the 16 points' packed A operands of depth kc (one K-block): point xi's
         * starts at u[xi * uPoint], the sliver at row sl * MR - row0. Scalar, ~50 operations per filter.
         */
        void sliverF2(int sl, int k0, int kc, float[] u, int uPoint, int row0) {
            int mr = BlockedGemm.MR;
            int x0 = (sl * mr - row0) * kc; // where the sliver starts inside each point's operand
            weight.sliver(sl, k0 * 9, (k0 + kc) * 9, filters, bits); // rows past the last channel: zeros
            float[] wsrc = filters;
            for (int r = 0; r < mr; r++) {
                int g = r * kc * 9;
                int d = x0 + r;
                for (int l = 0; l < kc; l++, g += 9, d += mr) {
                    float a0 = wsrc[g], a1 = wsrc[g + 1], a2 = wsrc[g + 2];
                    float b0 = wsrc[g + 3], b1 = wsrc[g + 4], b2 = wsrc[g + 5];
                    float c0 = wsrc[g + 6], c1 = wsrc[g + 7], c2 = wsrc[g + 8];
                    // G g, row by row
                    float s0 = a0 + c0, s1 = a1 + c1, s2 = a2 + c2;
                    float p0 = (s0 + b0) * 0.5f, p1 = (s1 + b1) * 0.5f, p2 = (s2 + b2) * 0.5f;
                    float m0 = (s0 - b0) * 0.5f, m1 = (s1 - b1) * 0.5f, m2 = (s2 - b2) * 0.5f;
                    store4(u, d, uPoint, 0, a0, a1, a2);
                    store4(u, d, uPoint, 4, p0, p1, p2);
                    store4(u, d, uPoint, 8, m0, m1, m2);
                    store4(u, d, uPoint, 12, c0, c1, c2);
                }
            }
        }

        /** Row i of U from row (x, y, z) of G g: x, (x + y + z) / 2, (x - y + z) / 2, z at points first .. first+3. */
        private static void store4(float[] u, int d, int uPoint, int first, float x, float y, float z) {
            float s = x + z;
            int at = d + first * uPoint;
            u[at] = x;
            u[at + uPoint] = (s + y) * 0.5f;
            u[at + 2 * uPoint] = (s - y) * 0.5f;
            u[at + 3 * uPoint] = z;
        }
    }

    /**
     * Whether the weight transform is fused into the products (see {@link #forwardFused}): small maps, whose
     * tiles all fit one chunk, where the full transformed weights (alpha^2 / 9 times the filters, in float) would
     * be written to memory and read back once for very few tiles (1280 channels at 16x16, F2: 105 MB per call,
     * measured 35-46 ms of the 80 ms of the unfused convolution).
     */
    static boolean fused(int h, int w, Tile tile) {
        int tiles = BlockedGemm.ceilDiv(h, tile.m) * BlockedGemm.ceilDiv(w, tile.m);
        return tile == Tile.F2 && tiles <= FUSED_MAX_TILES;
    }

    /**
     * Largest tile count of the fused path (F2 on maps up to 32 x 32, e.g. 24 x 16 for a 768 x 512 image): its
     * transformed input is kept whole, 16 x C x tiles floats (2560 channels: 42 MB at 256 tiles).
     */
    static final int FUSED_MAX_TILES = 256;

    /**
     * Output-channel slivers whose transformed weights one fused step keeps, per K-block of up to 256 inputs: 8 x 3
     * channels x 256 inputs x 16 points = 393 KB, inside this machine's 512 KB L2 (16 slivers, or all K-blocks at
     * once, spilled to L3 and made the transform as slow as writing it to memory). Deeper single K-blocks (up to
     * {@link BlockedGemm#SINGLE_BLOCK_K}) take proportionally fewer slivers ({@link #fusedSlivers}).
     */
    private static final int FUSED_SLIVERS = 8;

    /** Slivers per fused step for K-blocks of depth kcMax: about FUSED_SLIVERS x 256 inputs' worth, at least 1. */
    static int fusedSlivers(int kcMax) {
        return Math.max(1, FUSED_SLIVERS * BlockedGemm.KC / Math.max(kcMax, BlockedGemm.KC));
    }

    /**
     * The small-map path: V is computed once and packed once per point as the shared B operand; the threads
     * then claim blocks of output channels and, per block, transform just those filters for every point into a
     * per-thread buffer (kept in cache) and run the block's alpha^2 products from it. The transformed weights
     * never go to memory in full.
     */
    static float[] forwardFused(Parallel p, float[] x, int n, int c, int h, int w, ConvWeights weight, int o,
                                float[] bias, Tile tile) {
        int m = tile.m;
        int a2 = tile.alpha * tile.alpha;
        int tilesW = (w + m - 1) / m;
        int tilesH = (h + m - 1) / m;
        int t = tilesW * tilesH;
        int mr = BlockedGemm.MR;
        float[] v = Scratch.floats(Scratch.WINOGRAD_V, a2 * c * t); // [alpha^2, C, T]
        float[] mm = Scratch.floats(Scratch.WINOGRAD_M, a2 * o * t); // [alpha^2, O, T]
        // V of each point packed as B panels [C, T], one after another
        int vPoint = BlockedGemm.roundUp(t, BlockedGemm.NR) * c;
        float[] vp = Scratch.floats(Scratch.GEMM_SHARED, a2 * vPoint);
        int kcMax = BlockedGemm.kcMax(c);
        int kBlocks = BlockedGemm.ceilDiv(c, kcMax);
        float[] y = new float[Math.multiplyExact(Math.multiplyExact(n, o), h * w)];
        int slivers = BlockedGemm.ceilDiv(o, mr);
        for (int b = 0; b < n; b++) {
            int xOff = b * c * h * w;
            int yOff = b * o * h * w;
            p.forRange(0, c, (lo, hi) -> inputTransform(x, xOff, h, w, tile, tilesW, 0, t, lo, hi, v, c));
            for (int xi = 0; xi < a2; xi++) {
                BlockedGemm.Prepacked.ofB(p, t, c, BlockedGemm.rowMajorB(v, xi * c * t, t), vp, xi * vPoint);
            }
            int tPad = BlockedGemm.roundUp(t, BlockedGemm.NR);
            p.forWorkers(slivers, 1, work -> {
                WeightTransform wt = new WeightTransform(weight, o, c, tile);
                int step = fusedSlivers(kcMax);
                int uPoint = step * mr * kcMax + 16; // + one cache line: the 16 store streams of the
                // transform would otherwise sit a multiple of 4 KB apart (24 KB) and contend for the same L1 set
                float[] u = Scratch.floats(Scratch.WINOGRAD_U, a2 * uPoint);
                float[] pb = new float[0]; // B is prepacked
                float[] pa = new float[0]; // A is prepacked
                float[] edge = new float[mr * BlockedGemm.NR];
                int[] r = new int[2];
                while (work.claim(r)) {
                    for (int s0 = r[0]; s0 < r[1]; s0 += step) {
                        int s1 = Math.min(r[1], s0 + step);
                        int row0 = s0 * mr, rows = Math.min(o, s1 * mr) - row0;
                        for (int kb = 0; kb < kBlocks; kb++) {
                            int k0 = kb * kcMax, kc = Math.min(kcMax, c - k0);
                            for (int sl = s0; sl < s1; sl++) {
                                wt.sliverF2(sl, k0, kc, u, uPoint, row0);
                            }
                            for (int xi = 0; xi < a2; xi++) { // one K-block of each point's product
                                BlockedGemm.block(0, rows, 0, t, kc,
                                        new BlockedGemm.SharedA(BlockedGemm.Prepacked.layoutA(u, xi * uPoint, rows, kc)),
                                        new BlockedGemm.SharedB(BlockedGemm.Prepacked.layoutB(vp,
                                                xi * vPoint + kb * tPad * kcMax, t, kc)),
                                        mm, (xi * o + row0) * t, t, kb > 0, pa, pb, edge);
                            }
                        }
                    }
                }
            });
            p.forRange(0, o, (lo, hi) -> outputTransform(mm, tile, tilesW, 0, t, lo, hi, o, bias, y, yOff, h, w));
        }
        return y;
    }

    /** U[xi, r, ic] for all input channels of one output channel's filters wsrc[rowOff + ic * 9 + q]. */
    private static void transformRow(float[] wsrc, int rowOff, int c, Sparse g, int al, float[] f, float[] tmp,
                                     float[] rows, int r) {
        int mr = BlockedGemm.MR;
        for (int ic0 = 0; ic0 < c; ic0 += L) {
            int lanes = Math.min(L, c - ic0);
            int src = rowOff + ic0 * 9;
            for (int lane = 0; lane < L; lane++) {
                for (int q = 0; q < 9; q++) {
                    f[q * L + lane] = lane >= lanes ? 0f : wsrc[src + lane * 9 + q];
                }
            }
            for (int i = 0; i < al; i++) {
                for (int j = 0; j < 3; j++) {
                    FloatVector s = FloatVector.zero(S);
                    for (int q = 0; q < g.idx[i].length; q++) {
                        s = FloatVector.fromArray(S, f, (g.idx[i][q] * 3 + j) * L)
                                .fma(FloatVector.broadcast(S, g.val[i][q]), s);
                    }
                    s.intoArray(tmp, (i * 3 + j) * L);
                }
            }
            VectorMask<Float> mask = S.indexInRange(0, lanes);
            for (int i = 0; i < al; i++) {
                for (int j = 0; j < al; j++) {
                    FloatVector s = FloatVector.zero(S);
                    for (int q = 0; q < g.idx[j].length; q++) {
                        s = FloatVector.fromArray(S, tmp, (i * 3 + g.idx[j][q]) * L)
                                .fma(FloatVector.broadcast(S, g.val[j][q]), s);
                    }
                    int dst = ((i * al + j) * mr + r) * c + ic0;
                    if (lanes == L) {
                        s.intoArray(rows, dst);
                    } else {
                        s.intoArray(rows, dst, mask);
                    }
                }
            }
        }
    }

    /**
     * Channels [lo, hi) of tile rows [ty0, ty0 + t/tilesW), V = B^T d B per tile into v[xi, ic, tile]: the B^T
     * (vertical) pass runs along whole image rows, vectorised over columns, on zero-padded copies of the alpha
     * input rows of a tile row; its rows are then split into m phases (column u*m + r -> phase r, position u), so
     * that the columns a tile needs are the same position in each phase and the B (horizontal) pass runs vectorised
     * over tiles with plain loads. Same products, same order as {@link #inputTransformReference}, so the same bits;
     * it replaces that method's per-tile scalar gather of alpha^2 values with their boundary tests (the gather cost
     * as much as the per-point products for 128 channels at 512 x 512).
     */
    static void inputTransform(float[] x, int xOff, int h, int w, Tile tile, int tilesW, int ty0, int t, int lo,
                               int hi, float[] v, int c) {
        int m = tile.m;
        int al = tile.alpha;
        int width = tilesW * m + 2; // padded columns: image column ix at ix + 1
        int wv = BlockedGemm.roundUp(width, L);
        int phases = tilesW + 1;
        int phStride = BlockedGemm.roundUp(phases, L) + L;
        float[] rows = new float[al * wv]; // the alpha input rows of a tile row, zero-padded
        float[] r = new float[wv];          // (B^T rows) of one output row k
        float[] ph = new float[m * phStride]; // r split into phases; positions >= phases stay zero
        Sparse bt = tile.bt;
        int tileRows = t / tilesW;
        for (int ic = lo; ic < hi; ic++) {
            int chan = xOff + ic * h * w;
            for (int tr = 0; tr < tileRows; tr++) {
                int iy0 = (ty0 + tr) * m - 1;
                for (int i = 0; i < al; i++) {
                    int iy = iy0 + i, base = i * wv;
                    if (iy < 0 || iy >= h) {
                        java.util.Arrays.fill(rows, base, base + wv, 0f);
                    } else {
                        rows[base] = 0f;
                        System.arraycopy(x, chan + iy * w, rows, base + 1, w);
                        java.util.Arrays.fill(rows, base + 1 + w, base + wv, 0f);
                    }
                }
                for (int k = 0; k < al; k++) {
                    int[] ix = bt.idx[k];
                    float[] cf = bt.val[k];
                    for (int x0 = 0; x0 < wv; x0 += L) {
                        FloatVector s = FloatVector.zero(S);
                        for (int q = 0; q < ix.length; q++) {
                            s = FloatVector.fromArray(S, rows, ix[q] * wv + x0).fma(FloatVector.broadcast(S, cf[q]), s);
                        }
                        s.intoArray(r, x0);
                    }
                    for (int u = 0; u < phases; u++) {
                        for (int rr = 0; rr < m; rr++) {
                            int col = u * m + rr;
                            ph[rr * phStride + u] = col < width ? r[col] : 0f;
                        }
                    }
                    for (int l = 0; l < al; l++) {
                        int[] jx = bt.idx[l];
                        float[] cl = bt.val[l];
                        int dst = ((k * al + l) * c + ic) * t + tr * tilesW;
                        for (int tx = 0; tx < tilesW; tx += L) {
                            FloatVector s = FloatVector.zero(S);
                            for (int q = 0; q < jx.length; q++) {
                                int j = jx[q]; // column tx*m + j = phase j % m, position tx + j / m
                                s = FloatVector.fromArray(S, ph, (j % m) * phStride + tx + j / m)
                                        .fma(FloatVector.broadcast(S, cl[q]), s);
                            }
                            if (tx + L <= tilesW) {
                                s.intoArray(v, dst + tx);
                            } else {
                                s.intoArray(v, dst + tx, S.indexInRange(0, tilesW - tx));
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * The yardstick for {@link #inputTransform}: gathers each alpha x alpha input tile (zero outside the image)
     * into d[(i*alpha + j), tile], then V = B^T d B vectorised over tiles into v[xi, ic, tile].
     */
    static void inputTransformReference(float[] x, int xOff, int h, int w, Tile tile, int tilesW, int ty0, int t,
                                       int lo, int hi, float[] v, int c) {
        int m = tile.m;
        int al = tile.alpha;
        int a2 = al * al;
        int tp = BlockedGemm.roundUp(t, L);
        float[] d = new float[a2 * tp];
        float[] tmp = new float[a2 * L];
        Sparse bt = tile.bt;
        for (int ic = lo; ic < hi; ic++) {
            int chan = xOff + ic * h * w;
            for (int tt = 0; tt < t; tt++) {
                int ty = ty0 + tt / tilesW;
                int tx = tt % tilesW;
                int iy0 = ty * m - 1;
                int ix0 = tx * m - 1;
                boolean inX = ix0 >= 0 && ix0 + al <= w;
                for (int i = 0; i < al; i++) {
                    int iy = iy0 + i;
                    int dRow = i * al * tp + tt;
                    if (iy < 0 || iy >= h) {
                        for (int j = 0; j < al; j++) {
                            d[dRow + j * tp] = 0f;
                        }
                    } else if (inX) {
                        int src = chan + iy * w + ix0;
                        for (int j = 0; j < al; j++) {
                            d[dRow + j * tp] = x[src + j];
                        }
                    } else {
                        int src = chan + iy * w;
                        for (int j = 0; j < al; j++) {
                            int ix = ix0 + j;
                            d[dRow + j * tp] = ix >= 0 && ix < w ? x[src + ix] : 0f;
                        }
                    }
                }
            }
            for (int t0 = 0; t0 < t; t0 += L) {
                // tmp[k, j] = sum_i BT[k, i] d[i, j]
                for (int k = 0; k < al; k++) {
                    int[] ix = bt.idx[k];
                    float[] cf = bt.val[k];
                    for (int j = 0; j < al; j++) {
                        FloatVector s = FloatVector.zero(S);
                        for (int q = 0; q < ix.length; q++) {
                            s = FloatVector.fromArray(S, d, (ix[q] * al + j) * tp + t0).fma(FloatVector.broadcast(S, cf[q]), s);
                        }
                        s.intoArray(tmp, (k * al + j) * L);
                    }
                }
                // V[k, l] = sum_j tmp[k, j] BT[l, j]
                VectorMask<Float> mask = S.indexInRange(t0, t);
                for (int k = 0; k < al; k++) {
                    for (int l = 0; l < al; l++) {
                        int[] ix = bt.idx[l];
                        float[] cf = bt.val[l];
                        FloatVector s = FloatVector.zero(S);
                        for (int q = 0; q < ix.length; q++) {
                            s = FloatVector.fromArray(S, tmp, (k * al + ix[q]) * L).fma(FloatVector.broadcast(S, cf[q]), s);
                        }
                        int dst = ((k * al + l) * c + ic) * t + t0;
                        if (t0 + L <= t) {
                            s.intoArray(v, dst);
                        } else {
                            s.intoArray(v, dst, mask);
                        }
                    }
                }
            }
        }
    }

    /**
     * Output channels [lo, hi): Y = A^T M A per tile (vectorised over the tiles of a tile row), clipped to the
     * image, plus bias. The m x m outputs of a tile row's tiles are merged into m whole output rows first (tile tx,
     * value (k, l) -> row k, column tx*m + l), which are then copied out in bulk. Same arithmetic as
     * {@link #outputTransformReference}, so the same bits, without its per-tile scalar scatter and clipping tests.
     */
    static void outputTransform(float[] mm, Tile tile, int tilesW, int ty0, int t, int lo, int hi, int o,
                                float[] bias, float[] y, int yOff, int h, int w) {
        int m = tile.m;
        int al = tile.alpha;
        float[] tmp = new float[m * al * L];
        float[] out = new float[m * m * L];
        int rw = tilesW * m;
        float[] rowBuf = new float[m * rw];
        int tileRows = t / tilesW;
        for (int oc = lo; oc < hi; oc++) {
            float b = bias == null ? 0f : bias[oc];
            int chan = yOff + oc * h * w;
            for (int tr = 0; tr < tileRows; tr++) {
                for (int tx0 = 0; tx0 < tilesW; tx0 += L) {
                    int t0 = tr * tilesW + tx0;
                    int lanes = Math.min(L, tilesW - tx0);
                    tileOutputs(mm, tile, o, oc, t, t0, lanes, b, tmp, out);
                    for (int k = 0; k < m; k++) { // merged into the output rows
                        int row = k * rw + tx0 * m;
                        for (int lane = 0; lane < lanes; lane++) {
                            for (int l = 0; l < m; l++) {
                                rowBuf[row + lane * m + l] = out[(k * m + l) * L + lane];
                            }
                        }
                    }
                }
                int oy0 = (ty0 + tr) * m;
                for (int k = 0; k < Math.min(m, h - oy0); k++) {
                    System.arraycopy(rowBuf, k * rw, y, chan + (oy0 + k) * w, w);
                }
            }
        }
    }

    /**
     * Y = A^T M A + b for the tiles t0 .. t0 + lanes (lanes <= L) of output channel oc, vectorised over the tiles:
     * value (k, l) of tile t0 + lane into out[(k * m + l) * L + lane]; tmp holds the m x alpha intermediate.
     */
    private static void tileOutputs(float[] mm, Tile tile, int o, int oc, int t, int t0, int lanes, float b,
                                    float[] tmp, float[] out) {
        int m = tile.m;
        int al = tile.alpha;
        Sparse at = tile.at;
        VectorMask<Float> mask = S.indexInRange(0, lanes);
        boolean full = lanes == L;
        // tmp[k, j] = sum_i AT[k, i] M[i, j]
        for (int k = 0; k < m; k++) {
            int[] ix = at.idx[k];
            float[] cf = at.val[k];
            for (int j = 0; j < al; j++) {
                FloatVector s = FloatVector.zero(S);
                for (int q = 0; q < ix.length; q++) {
                    int src = ((ix[q] * al + j) * o + oc) * t + t0;
                    FloatVector mv = full ? FloatVector.fromArray(S, mm, src) : FloatVector.fromArray(S, mm, src, mask);
                    s = mv.fma(FloatVector.broadcast(S, cf[q]), s);
                }
                s.intoArray(tmp, (k * al + j) * L);
            }
        }
        // out[k, l] = sum_j tmp[k, j] AT[l, j] + bias
        for (int k = 0; k < m; k++) {
            for (int l = 0; l < m; l++) {
                int[] ix = at.idx[l];
                float[] cf = at.val[l];
                FloatVector s = FloatVector.broadcast(S, b);
                for (int q = 0; q < ix.length; q++) {
                    s = FloatVector.fromArray(S, tmp, (k * al + ix[q]) * L).fma(FloatVector.broadcast(S, cf[q]), s);
                }
                s.intoArray(out, (k * m + l) * L);
            }
        }
    }

    /** The yardstick for {@link #outputTransform}: tiles in runs of L across tile rows, each scattered on its own. */
    static void outputTransformReference(float[] mm, Tile tile, int tilesW, int ty0, int t, int lo, int hi, int o,
                                        float[] bias, float[] y, int yOff, int h, int w) {
        int m = tile.m;
        int al = tile.alpha;
        float[] tmp = new float[m * al * L];
        float[] out = new float[m * m * L];
        for (int oc = lo; oc < hi; oc++) {
            float b = bias == null ? 0f : bias[oc];
            int chan = yOff + oc * h * w;
            for (int t0 = 0; t0 < t; t0 += L) {
                tileOutputs(mm, tile, o, oc, t, t0, Math.min(L, t - t0), b, tmp, out);
                int lanes = Math.min(L, t - t0);
                for (int lane = 0; lane < lanes; lane++) {
                    int tt = t0 + lane;
                    int oy0 = (ty0 + tt / tilesW) * m;
                    int ox0 = (tt % tilesW) * m;
                    int ky = Math.min(m, h - oy0);
                    int kx = Math.min(m, w - ox0);
                    for (int k = 0; k < ky; k++) {
                        int row = chan + (oy0 + k) * w + ox0;
                        for (int l = 0; l < kx; l++) {
                            y[row + l] = out[(k * m + l) * L + lane];
                        }
                    }
                }
            }
        }
    }
}
