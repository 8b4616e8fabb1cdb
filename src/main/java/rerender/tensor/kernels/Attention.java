// Multi-head scaled dot-product attention for one batch item: out_h = softmax(q_h k_h^T * scale) v_h per head.
// Heads are interleaved in the feature dim ([N, heads*d], as after a Linear projection), so no transposes are needed.
package rerender.tensor.kernels;

import static rerender.tensor.kernels.BlockedGemm.L;
import static rerender.tensor.kernels.BlockedGemm.MR;
import static rerender.tensor.kernels.BlockedGemm.NR;
import static rerender.tensor.kernels.BlockedGemm.S;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

public final class Attention {
    private Attention() {
    }

    /** Query rows per tile (a multiple of the micro-tile height). */
    static final int TQ = 16 * MR;
    /** Keys per tile (a multiple of the micro-tile width): the score tile is TQ x TK floats, L2-resident. */
    static final int TK = 10 * NR;

    /** q [Nq, heads*d], k [Nk, heads*d], v [Nk, heads*d] -> out [Nq, heads*d]. */
    public static void forward(Parallel p, float[] q, float[] k, float[] v, float[] out, int nq, int nk, int heads,
                               int d, float scale) {
        if (nq < 0 || nk < 1 || heads < 1 || d < 1) {
            throw new IllegalArgumentException("bad attention shape nq=" + nq + " nk=" + nk + " heads=" + heads
                    + " d=" + d);
        }
        long width = (long) heads * d;
        if (q.length < nq * width || k.length < nk * width || v.length < nk * width || out.length < nq * width) {
            throw new IllegalArgumentException("arrays too small for q [" + nq + ", " + width + "], k/v [" + nk
                    + ", " + width + "]");
        }
        if (nq == 0) {
            return;
        }
        // tasks = (head, query chunk); enough chunks that every thread has work even with few heads
        int chunks = Math.min(BlockedGemm.ceilDiv(nq, TQ), Math.max(1, BlockedGemm.ceilDiv(p.threads(), heads)));
        int tasks = heads * chunks;
        p.forRange(0, tasks, (lo, hi) -> {
            Head head = null;
            for (int t = lo; t < hi; t++) {
                int h = t / chunks;
                int chunk = t % chunks;
                int tiles = BlockedGemm.ceilDiv(nq, TQ);
                int q0 = (int) ((long) tiles * chunk / chunks) * TQ;
                int q1 = Math.min(nq, (int) ((long) tiles * (chunk + 1) / chunks) * TQ);
                if (head == null || head.h != h) {
                    head = new Head(k, v, nk, heads, d, h);
                }
                for (int i0 = q0; i0 < q1; i0 += TQ) {
                    head.tile(q, out, i0, Math.min(TQ, q1 - i0), scale);
                }
            }
        });
    }

    /** Packed keys and values of one head plus the work buffers of one thread. */
    private static final class Head {
        final int h;
        final int nk;
        final int width;
        final int d;
        final int dPad;
        /** K_h^T [d, nk] packed as B slivers (kc = d). */
        final float[] kPanel;
        /** V_h [nk, d] packed as B slivers over the whole key range (kc = nk). */
        final float[] vPanel;
        final float[] qPack;
        final float[] scores; // [TQ, TK]
        final float[] pPack;
        final float[] acc; // [TQ, dPad] running numerator of the output
        final float[] rowMax = new float[TQ];
        final float[] rowSum = new float[TQ];

        Head(float[] k, float[] v, int nk, int heads, int d, int h) {
            this.h = h;
            this.nk = nk;
            this.width = heads * d;
            this.d = d;
            this.dPad = BlockedGemm.roundUp(d, NR);
            kPanel = new float[d * BlockedGemm.roundUp(nk, NR)];
            BlockedGemm.transposedB(k, h * d, width).pack(0, d, 0, nk, kPanel);
            vPanel = new float[nk * dPad];
            BlockedGemm.rowMajorB(v, h * d, width).pack(0, nk, 0, d, vPanel);
            qPack = new float[TQ * d];
            scores = new float[TQ * TK];
            pPack = new float[TQ * TK];
            acc = new float[TQ * dPad];
        }

        /** Output rows [i0, i0+rows) of this head: online softmax over key tiles (Milakov & Gimelshein 2018). */
        void tile(float[] q, float[] out, int i0, int rows, float scale) {
            packScaledQ(q, i0, rows, scale);
            Arrays.fill(rowMax, Float.NEGATIVE_INFINITY);
            Arrays.fill(rowSum, 0f);
            Arrays.fill(acc, 0f);
            int rowsPad = BlockedGemm.roundUp(rows, MR);
            for (int j0 = 0; j0 < nk; j0 += TK) {
                int cols = Math.min(TK, nk - j0);
                // scores [rows, cols] = (scale q) . K^T
                for (int jr = 0; jr < cols; jr += NR) {
                    int pbOff = (j0 + jr) * d; // sliver (j0+jr)/NR starts at sliver * d * NR
                    for (int ir = 0; ir < rowsPad; ir += MR) {
                        BlockedGemm.kernel(d, qPack, ir * d, kPanel, pbOff, scores, ir * TK + jr, TK, false);
                    }
                }
                softmaxStep(rows, cols);
                // acc [rows, dPad] += P [rows, cols] . V [j0 .. j0+cols, :]
                for (int s = 0; s < dPad; s += NR) {
                    int pbOff = s * nk + j0 * NR;
                    for (int ir = 0; ir < rowsPad; ir += MR) {
                        BlockedGemm.kernel(cols, pPack, ir * cols, vPanel, pbOff, acc, ir * dPad + s, dPad, true);
                    }
                }
            }
            for (int r = 0; r < rows; r++) {
                float inv = 1f / rowSum[r];
                int o = (i0 + r) * width + h * d;
                for (int t = 0; t < d; t++) {
                    out[o + t] = acc[r * dPad + t] * inv;
                }
            }
        }

        private void packScaledQ(float[] q, int i0, int rows, float scale) {
            for (int s = 0; s < TQ; s += MR) {
                for (int r = 0; r < MR; r++) {
                    int row = s + r;
                    int base = s * d + r;
                    if (row < rows) {
                        int src = (i0 + row) * width + h * d;
                        for (int t = 0; t < d; t++) {
                            qPack[base + t * MR] = q[src + t] * scale;
                        }
                    } else {
                        for (int t = 0; t < d; t++) {
                            qPack[base + t * MR] = 0f;
                        }
                    }
                }
            }
        }

        /**
         * Online softmax update for one key tile: new running max m', rescale the running sum and numerator by
         * exp(m - m'), P = exp(s - m'), and pack P as MR-row A slivers (kc = cols) for the P . V product.
         */
        private void softmaxStep(int rows, int cols) {
            int rowsPad = BlockedGemm.roundUp(rows, MR);
            int vecEnd = cols - cols % L;
            for (int r = 0; r < rowsPad; r++) {
                int sb = r * TK;
                int pBase = (r / MR) * MR * cols + r % MR;
                if (r >= rows) {
                    for (int j = 0; j < cols; j++) {
                        pPack[pBase + j * MR] = 0f;
                    }
                    continue;
                }
                FloatVector mv = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
                int j = 0;
                for (; j < vecEnd; j += L) {
                    mv = mv.max(FloatVector.fromArray(S, scores, sb + j));
                }
                float m = mv.reduceLanes(VectorOperators.MAX);
                for (; j < cols; j++) {
                    m = Math.max(m, scores[sb + j]);
                }
                float mNew = Math.max(rowMax[r], m);
                float correction = (float) Math.exp(rowMax[r] - mNew); // 0 on the first tile (-inf)
                rowMax[r] = mNew;
                FloatVector mb = FloatVector.broadcast(S, mNew);
                FloatVector sum = FloatVector.zero(S);
                for (j = 0; j < vecEnd; j += L) {
                    FloatVector e = FloatVector.fromArray(S, scores, sb + j).sub(mb).lanewise(VectorOperators.EXP);
                    sum = sum.add(e);
                    e.intoArray(scores, sb + j);
                }
                float tileSum = sum.reduceLanes(VectorOperators.ADD);
                for (; j < cols; j++) {
                    float e = (float) Math.exp(scores[sb + j] - mNew);
                    tileSum += e;
                    scores[sb + j] = e;
                }
                for (j = 0; j < cols; j++) {
                    pPack[pBase + j * MR] = scores[sb + j];
                }
                rowSum[r] = rowSum[r] * correction + tileSum;
                if (correction != 1f) {
                    int ab = r * dPad;
                    FloatVector cv = FloatVector.broadcast(S, correction);
                    for (int t = 0; t < dPad; t += L) {
                        FloatVector.fromArray(S, acc, ab + t).mul(cv).intoArray(acc, ab + t);
                    }
                }
            }
        }
    }

    /** One query row at a time with a full score row, the yardstick for {@link #forward}. */
    public static void reference(Parallel p, float[] q, float[] k, float[] v, float[] out, int nq, int nk, int heads,
                                 int d, float scale) {
        int width = heads * d;
        double[] s = new double[nk];
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < nq; i++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < nk; j++) {
                    double dot = 0;
                    for (int t = 0; t < d; t++) {
                        dot += (double) q[i * width + h * d + t] * k[j * width + h * d + t];
                    }
                    s[j] = dot * scale;
                    max = Math.max(max, s[j]);
                }
                double sum = 0;
                for (int j = 0; j < nk; j++) {
                    s[j] = Math.exp(s[j] - max);
                    sum += s[j];
                }
                for (int t = 0; t < d; t++) {
                    double acc = 0;
                    for (int j = 0; j < nk; j++) {
                        acc += s[j] * v[j * width + h * d + t];
                    }
                    out[i * width + h * d + t] = (float) (acc / sum);
                }
            }
        }
    }
}
