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
     * y [N, O, H, W] = conv3x3(x [N, C, H, W], weight [O, C, 3, 3], stride 1, pad 1) + bias; exactly one of
     * weight / weightHalf (fp16 bits, widened during the weight transform) is non-null; bias [O] or null.
     */
    static float[] forward(Parallel p, float[] x, int n, int c, int h, int w, float[] weight, MemorySegment weightHalf,
                           int o, float[] bias, Tile tile) {
        int m = tile.m;
        int a2 = tile.alpha * tile.alpha;
        int tilesW = (w + m - 1) / m;
        int tilesH = (h + m - 1) / m;
        int uPoint = BlockedGemm.roundUp(o, BlockedGemm.MR) * c; // floats of one point's packed [O, C]
        float[] u = Scratch.floats(Scratch.WINOGRAD_U, Math.multiplyExact(a2, uPoint));
        transformWeights(p, weight, weightHalf, o, c, tile, u);
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
                    float[] pb = new float[BlockedGemm.packBSize(t, c)];
                    float[] edge = new float[BlockedGemm.MR * BlockedGemm.NR];
                    int[] r = new int[2];
                    while (work.claim(r)) {
                        for (int xi = r[0]; xi < r[1]; xi++) { // U is read in place, already in sliver layout
                            BlockedGemm.block(0, o, 0, t, c,
                                    new BlockedGemm.SharedA(BlockedGemm.Prepacked.layoutA(u, xi * uPoint, o, c)),
                                    BlockedGemm.rowMajorB(v, xi * c * t, t), mm, xi * o * t, t, false, pa, pb, edge);
                        }
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
    static void transformWeights(Parallel p, float[] weight, MemorySegment weightHalf, int o, int c, Tile tile,
                                 float[] u) {
        int al = tile.alpha;
        int a2 = al * al;
        int mr = BlockedGemm.MR;
        int uPoint = BlockedGemm.roundUp(o, mr) * c;
        int kcMax = BlockedGemm.kcMax(c);
        Sparse g = tile.gs;
        p.forRange(0, BlockedGemm.ceilDiv(o, mr), (lo, hi) -> {
            float[] f = new float[9 * L]; // f[q, lane] = weight[oc, ic0 + lane, q]
            float[] tmp = new float[al * 3 * L]; // (G f)[i, j]
            float[] rows = new float[a2 * mr * c]; // U of this sliver: [xi, r, ic]
            // fp16 filters: one output channel's c*9 values copied out of the segment in bulk and widened at once
            short[] rowBits = weight == null ? new short[c * 9] : null;
            float[] rowF = weight == null ? new float[c * 9] : null;
            for (int sl = lo; sl < hi; sl++) {
                for (int r = 0; r < mr; r++) {
                    int oc = sl * mr + r;
                    if (oc >= o) {
                        for (int xi = 0; xi < a2; xi++) {
                            java.util.Arrays.fill(rows, (xi * mr + r) * c, (xi * mr + r + 1) * c, 0f);
                        }
                        continue;
                    }
                    float[] wsrc = weight;
                    int rowOff = oc * c * 9;
                    if (weight == null) {
                        MemorySegment.copy(weightHalf, Fp16.BITS, 2L * rowOff, rowBits, 0, c * 9);
                        Fp16.widen(rowBits, rowF, 0, c * 9);
                        wsrc = rowF;
                        rowOff = 0;
                    }
                    transformRow(wsrc, rowOff, c, g, al, f, tmp, rows, r);
                }
                for (int xi = 0; xi < a2; xi++) {
                    BlockedGemm.Prepacked point = BlockedGemm.Prepacked.layoutA(u, xi * uPoint, o, c);
                    for (int k0 = 0; k0 < c; k0 += kcMax) {
                        int kc = Math.min(kcMax, c - k0);
                        BlockedGemm.packSliver(rows, xi * mr * c + k0, c, kc, u, point.offset(k0, kc, sl * mr));
                    }
                }
            }
        });
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
     * Channels [lo, hi) of tile rows [ty0, ty0 + t/tilesW): gathers each alpha x alpha input tile (zero outside
     * the image) into d[(i*alpha + j), tile], then V = B^T d B vectorised over tiles into v[xi, ic, tile].
     */
    private static void inputTransform(float[] x, int xOff, int h, int w, Tile tile, int tilesW, int ty0, int t,
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

    /** Output channels [lo, hi): Y = A^T M A per tile (vectorised over tiles), clipped to the image, plus bias. */
    private static void outputTransform(float[] mm, Tile tile, int tilesW, int ty0, int t, int lo, int hi, int o,
                                        float[] bias, float[] y, int yOff, int h, int w) {
        int m = tile.m;
        int al = tile.alpha;
        Sparse at = tile.at;
        float[] tmp = new float[m * al * L];
        float[] out = new float[m * m * L];
        for (int oc = lo; oc < hi; oc++) {
            float b = bias == null ? 0f : bias[oc];
            int chan = yOff + oc * h * w;
            for (int t0 = 0; t0 < t; t0 += L) {
                VectorMask<Float> mask = S.indexInRange(t0, t);
                boolean full = t0 + L <= t;
                // tmp[k, j] = sum_i AT[k, i] M[i, j]
                for (int k = 0; k < m; k++) {
                    int[] ix = at.idx[k];
                    float[] cf = at.val[k];
                    for (int j = 0; j < al; j++) {
                        FloatVector s = FloatVector.zero(S);
                        for (int q = 0; q < ix.length; q++) {
                            int src = ((ix[q] * al + j) * o + oc) * t + t0;
                            FloatVector mv = full ? FloatVector.fromArray(S, mm, src)
                                    : FloatVector.fromArray(S, mm, src, mask);
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
