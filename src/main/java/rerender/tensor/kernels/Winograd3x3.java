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
        int uFloats = Math.multiplyExact(a2, uPoint);
        float[] u;
        if (keeps(weight, h, w, tile)) {
            u = weight.keptTransform(uFloats, dst -> transformWeights(p, weight, o, c, tile, dst));
        } else {
            u = Scratch.floats(Scratch.WINOGRAD_U, uFloats);
            transformWeights(p, weight, o, c, tile, u);
        }
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
     * Whether this call uses (and on its first time makes) the weight's kept F(4x4) transform: when the weight asks
     * for it and the maps have at most 128 tiles (32x32 up to 32x64 with F(4x4): the UNet's second level at 512x512
     * and at 512x1024), where transforming the weights is ~20 % of the convolution (640 and 1280 channels), or when
     * the transform is already kept (made once, it serves any map size). On 64x64 maps (256 tiles) the transform is
     * 6-7 %: keeping those too (0.33 GB more) measured 0.998 in the in-process A/B.
     */
    static boolean keeps(ConvWeights weight, int h, int w, Tile tile) {
        return weight.keepsTransforms() && tile == Tile.F4
                && ((long) ((h + tile.m - 1) / tile.m) * ((w + tile.m - 1) / tile.m) <= KEEP_MAX_TILES
                || weight.hasKeptTransform());
    }

    private static final int KEEP_MAX_TILES = 128;

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

    /**
     * Gather maps for filters interleaved as [ic][tap][row] (the packed storage's order): lanes of vector j are the
     * (channel, row) pairs j*L .. j*L + L-1 of a group of L channels (pair p = channel p / MR, row p % MR), and
     * TAPS[j][lane] is where that pair's tap 0 lies relative to the group; tap q is MR * q further on.
     */
    private static final int[][] TAPS = new int[BlockedGemm.MR][L];

    static {
        for (int j = 0; j < BlockedGemm.MR; j++) {
            for (int t = 0; t < L; t++) {
                int pair = j * L + t;
                TAPS[j][t] = pair / BlockedGemm.MR * 9 * BlockedGemm.MR + pair % BlockedGemm.MR;
            }
        }
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
        float[] rows;    // the general transform's U of one sliver [xi, r, ic], taken on first use
        float[] gf;   // sliverF4's buffers, made on first use: G g and, for groups written lane by lane, U
        float[] uu;

        WeightTransform(ConvWeights weight, int o, int c, Tile tile) {
            this.weight = weight;
            this.o = o;
            this.c = c;
            this.tile = tile;
            this.a2 = tile.alpha * tile.alpha;
            tmp = new float[tile.alpha * 3 * L];
        }

        /**
         * U of filter sliver sl (output channels sl*MR ..) for every point, packed into u: point xi's [O, C]
         * A operand (layout of {@link BlockedGemm.Prepacked#layoutA}) starts at u[xi * uPoint].
         */
        void sliver(int sl, float[] u, int uPoint) {
            int mr = BlockedGemm.MR;
            int kcMax = BlockedGemm.kcMax(c);
            if (rows == null) { // kept per thread between calls (Scratch); one WeightTransform per thread at a time
                rows = Scratch.floats(Scratch.WINOGRAD_ROWS, a2 * mr * c);
            }
            float[] run = interleaved(c);
            weight.sliverInterleaved(sl, 0, c * 9, run); // rows past the last channel come back as zeros
            for (int r = 0; r < mr; r++) {
                transformRow(run, r, c, tile.gs, tile.alpha, f, tmp, rows);
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
         * row of three giving six: a/4, -(a+b+c)/6, -(a-b+c)/6, a/24 + b/12 + c/6, a/24 - b/12 + c/6, c). As
         * {@link #sliverF2}, a vector's lanes are L consecutive (channel, row) pairs of the filters as the packed
         * storage interleaves them, their taps gathered, so the 36 values of a vector go to L consecutive floats of
         * each point's packed operand with plain stores (a group of channels across a K-block's edge, or past the
         * last channel, goes through a small buffer lane by lane). Same arithmetic per filter as before; the
         * earlier code transposed the filters with scalar copies and interleaved the rows with shuffles.
         */
        void sliverF4(int sl, float[] u, int uPoint) {
            int mr = BlockedGemm.MR;
            int kcMax = BlockedGemm.kcMax(c);
            float[] run = interleaved(BlockedGemm.roundUp(c, L)); // lanes past c: stale values, never written out
            weight.sliverInterleaved(sl, 0, c * 9, run);
            if (gf == null) {
                gf = new float[18 * L];
                uu = new float[36 * L];
            }
            for (int l0 = 0; l0 < c; l0 += L) {
                int k0 = (l0 / kcMax) * kcMax, kc = Math.min(kcMax, c - k0);
                boolean whole = l0 + L <= k0 + kc; // all L channels real and inside one K-block
                int at = (int) BlockedGemm.panelOffset(o, c, mr, k0, kc, sl * mr) + (l0 - k0) * mr;
                for (int j = 0; j < mr; j++) {
                    if (whole) {
                        lanes(run, l0 * 9 * mr, TAPS[j], u, at + j * L, uPoint);
                    } else {
                        lanes(run, l0 * 9 * mr, TAPS[j], uu, 0, L);
                        scatterLanes(sl, l0, j, kcMax, u, uPoint);
                    }
                }
            }
        }

        /**
         * U of the L filters of one vector of (channel, row) lanes (taps gathered from run[g ..] through idx):
         * point xi to dst[at + xi * stride ..]. Kept apart from its callers so that C2 inlines every vector
         * operation in it (inside sliverF4 it hit NodeCountInliningCutoff and boxed the vectors).
         */
        private void lanes(float[] run, int g, int[] idx, float[] dst, int at, int stride) {
            int mr = BlockedGemm.MR;
            for (int j = 0; j < 3; j++) { // G g: column j of the filters, rows combined
                g6(FloatVector.fromArray(S, run, g + j * mr, idx, 0),
                        FloatVector.fromArray(S, run, g + (3 + j) * mr, idx, 0),
                        FloatVector.fromArray(S, run, g + (6 + j) * mr, idx, 0), gf, j * L, 3 * L);
            }
            for (int i = 0; i < 6; i++) { // (G g) G^T: row i of G g, columns combined
                int a = i * 3 * L;
                g6(FloatVector.fromArray(S, gf, a), FloatVector.fromArray(S, gf, a + L),
                        FloatVector.fromArray(S, gf, a + 2 * L), dst, at + i * 6 * stride, stride);
            }
        }

        /** uu[xi * L + lane] of vector j of channel group l0 to the points' operands, lane by lane. */
        private void scatterLanes(int sl, int l0, int j, int kcMax, float[] u, int uPoint) {
            int mr = BlockedGemm.MR;
            for (int lane = 0; lane < L; lane++) {
                int pair = j * L + lane, ic = l0 + pair / mr, r = pair % mr;
                if (ic >= c) {
                    break;
                }
                int kb0 = (ic / kcMax) * kcMax, kbc = Math.min(kcMax, c - kb0);
                int at = (int) BlockedGemm.panelOffset(o, c, mr, kb0, kbc, sl * mr) + (ic - kb0) * mr + r;
                for (int xi = 0; xi < 36; xi++) {
                    u[xi * uPoint + at] = uu[xi * L + lane];
                }
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
         * starts at u[xi * uPoint], the sliver at row sl * MR - row0. The filters come as the packed storage
         * interleaves them ([ic][tap][row], {@link ConvWeights#sliverInterleaved}); a vector's lanes are L
         * consecutive (channel, row) pairs, whose nine taps are gathered ({@link #TAPS}) and whose U values are L
         * consecutive floats of each point's operand, so the whole transform runs on vectors with plain stores.
         * The scalar code it replaced (same arithmetic, same bits) was ~30 % of a 1280-channel convolution at 16x16.
         */
        void sliverF2(int sl, int k0, int kc, float[] u, int uPoint, int row0) {
            int mr = BlockedGemm.MR;
            int x0 = (sl * mr - row0) * kc; // where the sliver starts inside each point's operand
            float[] run = interleaved(kc);
            weight.sliverInterleaved(sl, k0 * 9, (k0 + kc) * 9, run); // rows past the last channel: zeros
            int l = 0;
            for (; l + L <= kc; l += L) { // L channels x MR rows = MR vectors of (channel, row) lanes
                for (int j = 0; j < mr; j++) {
                    int g = l * 9 * mr;
                    int[] idx = TAPS[j];
                    FloatVector a0 = FloatVector.fromArray(S, run, g, idx, 0);
                    FloatVector a1 = FloatVector.fromArray(S, run, g + mr, idx, 0);
                    FloatVector a2 = FloatVector.fromArray(S, run, g + 2 * mr, idx, 0);
                    FloatVector b0 = FloatVector.fromArray(S, run, g + 3 * mr, idx, 0);
                    FloatVector b1 = FloatVector.fromArray(S, run, g + 4 * mr, idx, 0);
                    FloatVector b2 = FloatVector.fromArray(S, run, g + 5 * mr, idx, 0);
                    FloatVector c0 = FloatVector.fromArray(S, run, g + 6 * mr, idx, 0);
                    FloatVector c1 = FloatVector.fromArray(S, run, g + 7 * mr, idx, 0);
                    FloatVector c2 = FloatVector.fromArray(S, run, g + 8 * mr, idx, 0);
                    int d = x0 + l * mr + j * L;
                    // rows of G g: a, p = (a + b + c) / 2, m = (a - b + c) / 2, c; each row (x, y, z) gives the
                    // four points x, (x + y + z) / 2, (x - y + z) / 2, z (written out: a helper method here was
                    // not inlined by C2, which then boxed every vector)
                    FloatVector s0 = a0.add(c0), s1 = a1.add(c1), s2 = a2.add(c2);
                    FloatVector p0 = s0.add(b0).mul(0.5f), p1 = s1.add(b1).mul(0.5f), p2 = s2.add(b2).mul(0.5f);
                    FloatVector m0 = s0.sub(b0).mul(0.5f), m1 = s1.sub(b1).mul(0.5f), m2 = s2.sub(b2).mul(0.5f);
                    FloatVector sa = a0.add(a2), sp = p0.add(p2), sm = m0.add(m2), sc = c0.add(c2);
                    a0.intoArray(u, d);
                    sa.add(a1).mul(0.5f).intoArray(u, d + uPoint);
                    sa.sub(a1).mul(0.5f).intoArray(u, d + 2 * uPoint);
                    a2.intoArray(u, d + 3 * uPoint);
                    p0.intoArray(u, d + 4 * uPoint);
                    sp.add(p1).mul(0.5f).intoArray(u, d + 5 * uPoint);
                    sp.sub(p1).mul(0.5f).intoArray(u, d + 6 * uPoint);
                    p2.intoArray(u, d + 7 * uPoint);
                    m0.intoArray(u, d + 8 * uPoint);
                    sm.add(m1).mul(0.5f).intoArray(u, d + 9 * uPoint);
                    sm.sub(m1).mul(0.5f).intoArray(u, d + 10 * uPoint);
                    m2.intoArray(u, d + 11 * uPoint);
                    c0.intoArray(u, d + 12 * uPoint);
                    sc.add(c1).mul(0.5f).intoArray(u, d + 13 * uPoint);
                    sc.sub(c1).mul(0.5f).intoArray(u, d + 14 * uPoint);
                    c2.intoArray(u, d + 15 * uPoint);
                }
            }
            for (; l < kc; l++) { // channels past the last whole group, one filter at a time
                for (int r = 0; r < mr; r++) {
                    int g = l * 9 * mr + r;
                    int d = x0 + l * mr + r;
                    float a0 = run[g], a1 = run[g + mr], a2 = run[g + 2 * mr];
                    float b0 = run[g + 3 * mr], b1 = run[g + 4 * mr], b2 = run[g + 5 * mr];
                    float c0 = run[g + 6 * mr], c1 = run[g + 7 * mr], c2 = run[g + 8 * mr];
                    float s0 = a0 + c0, s1 = a1 + c1, s2 = a2 + c2;
                    store4(u, d, uPoint, 0, a0, a1, a2);
                    store4(u, d, uPoint, 4, (s0 + b0) * 0.5f, (s1 + b1) * 0.5f, (s2 + b2) * 0.5f);
                    store4(u, d, uPoint, 8, (s0 - b0) * 0.5f, (s1 - b1) * 0.5f, (s2 - b2) * 0.5f);
                    store4(u, d, uPoint, 12, c0, c1, c2);
                }
            }
        }

        /** This thread's buffer for the interleaved filters ([ic][tap][row], widened) of n input channels. */
        private static float[] interleaved(int n) {
            return Scratch.floats(Scratch.WINOGRAD_RUN, n * 9 * BlockedGemm.MR);
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

    /**
     * U[xi, r, ic] for all input channels of the filters of sliver row r, read from the sliver's interleaved filters
     * run[(ic * 9 + q) * MR + r] ({@link ConvWeights#sliverInterleaved}).
     */
    private static void transformRow(float[] run, int r, int c, Sparse g, int al, float[] f, float[] tmp,
                                     float[] rows) {
        int mr = BlockedGemm.MR;
        for (int ic0 = 0; ic0 < c; ic0 += L) {
            int lanes = Math.min(L, c - ic0);
            for (int lane = 0; lane < L; lane++) {
                for (int q = 0; q < 9; q++) {
                    f[q * L + lane] = lane >= lanes ? 0f : run[((ic0 + lane) * 9 + q) * mr + r];
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
        int phVec = BlockedGemm.roundUp(phases, L); // positions per phase written, whole vectors
        int phStride = phVec + L;
        float[] rows = new float[al * wv]; // the alpha input rows of a tile row, zero-padded
        // (B^T rows) of one output row k; past column width it is +0 (computed from the zero padding up to wv, never
        // written beyond), so the phase split below may read whole vectors there
        float[] r = new float[Math.max(wv, phVec * m)];
        float[] ph = new float[m * phStride]; // r split into phases; positions >= phases are zero
        int[] everyM = VectorMath.lanesApart(m); // lane i of a phase vector is column (u0 + i) * m + rr
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
                    // phase split by strided vector loads (gathers): one per L positions instead of L scalar
                    // moves with a bounds test each, which cost as much as both passes of arithmetic together
                    for (int rr = 0; rr < m; rr++) {
                        for (int u0 = 0; u0 < phVec; u0 += L) {
                            FloatVector.fromArray(S, r, u0 * m + rr, everyM, 0).intoArray(ph, rr * phStride + u0);
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
        // output rows of a tile row, each padded to whole groups of L tiles (a group's m*L values are written as m
        // whole vectors, the last group's lanes past the tiles included)
        int rw = BlockedGemm.roundUp(tilesW, L) * m;
        float[] rowBuf = new float[m * rw];
        // merge by strided vector loads: value p of a group's output row k is out[(k*m + p % m) * L + p / m]
        int[] merge = new int[m * L];
        for (int p = 0; p < m * L; p++) {
            merge[p] = (p % m) * L + p / m;
        }
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
                        for (int v = 0; v < m; v++) {
                            FloatVector.fromArray(S, out, k * m * L, merge, v * L).intoArray(rowBuf, row + v * L);
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
