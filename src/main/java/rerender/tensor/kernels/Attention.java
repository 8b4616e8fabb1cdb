// Multi-head scaled dot-product attention for one batch item: out_h = softmax(q_h k_h^T * scale) v_h per head.
// Heads are interleaved in the feature dim ([N, heads*d], as after a Linear projection), so callers need no transposes.
package rerender.tensor.kernels;

import static rerender.tensor.kernels.BlockedGemm.L;
import static rerender.tensor.kernels.BlockedGemm.MR;
import static rerender.tensor.kernels.BlockedGemm.NR;
import static rerender.tensor.kernels.BlockedGemm.S;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;

public final class Attention {
    private Attention() {
    }

    /**
     * Queries per tile: a multiple of the micro-tile width NR (queries are the B / lane side). Each K/V key tile is
     * streamed once per query tile; 8 x NR (192) against 4 x NR: attention alone (4096 and 1024 tokens, 2 threads),
     * in-process A/B over 10 rounds, median ratio 0.942 (0.797-1.264); 16 x NR: 0.981.
     */
    static final int TQ = 8 * NR;
    /** Keys per tile: a multiple of the micro-tile height MR; the score tile TK x TQ floats is L2-resident. */
    static final int TK = 64 * MR;

    /** q [Nq, heads*d], k [Nk, heads*d], v [Nk, heads*d] -> out [Nq, heads*d]; out must not alias q, k or v. */
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
        // K and V of every head packed once (in parallel) into one kept buffer, then (head, query tile) tasks
        // handed out dynamically
        int perHead = Head.floats(nk, d);
        float[] kv = Scratch.take(Scratch.ATTENTION_KV, Math.multiplyExact(heads, perHead));
        try {
            Head[] packed = new Head[heads];
            p.forRange(0, heads, 1, (lo, hi) -> {
                for (int h = lo; h < hi; h++) {
                    packed[h] = new Head(k, v, nk, heads, d, h, kv, h * perHead);
                }
            });
            int tiles = BlockedGemm.ceilDiv(nq, TQ);
            p.forWorkers(heads * tiles, 1, work -> {
                Tile buffers = new Tile(d, heads * d);
                int[] r = new int[2];
                while (work.claim(r)) {
                    for (int task = r[0]; task < r[1]; task++) {
                        int i0 = (task % tiles) * TQ;
                        buffers.run(packed[task / tiles], q, out, i0, Math.min(TQ, nq - i0), scale);
                    }
                }
            });
        } finally {
            Scratch.release(Scratch.ATTENTION_KV, kv);
        }
    }

    /** Keys and values of one head, packed once per call and shared by the threads. */
    private static final class Head {
        final int h;
        final int nk;
        final int width;
        final int d;
        final int dPad;
        /** K_h [nk, d] packed as MR-row A slivers with kc = d, from kv[kBase] on. */
        final float[] kv;
        final int kBase;
        /** V_h^T [d, nk] packed as MR-row A slivers with kc = nk (a key tile starts at key0 * MR in a sliver),
         * from kv[vBase] on. */
        final int vBase;

        /** Floats of one head's packed K and V. */
        static int floats(int nk, int d) {
            return Math.addExact(BlockedGemm.roundUp(nk, MR) * d, BlockedGemm.roundUp(d, MR) * nk);
        }

        Head(float[] k, float[] v, int nk, int heads, int d, int h, float[] kv, int base) {
            this.h = h;
            this.nk = nk;
            this.width = heads * d;
            this.d = d;
            this.dPad = BlockedGemm.roundUp(d, MR);
            this.kv = kv;
            this.kBase = base;
            this.vBase = base + BlockedGemm.roundUp(nk, MR) * d;
            BlockedGemm.packRows(k, h * d, width, nk, d, kv, kBase);
            for (int t0 = 0; t0 < dPad; t0 += MR) {
                for (int j = 0; j < nk; j++) {
                    int dst = vBase + t0 * nk + j * MR;
                    int src = j * width + h * d + t0;
                    for (int r = 0; r < MR; r++) {
                        kv[dst + r] = t0 + r < d ? v[src + r] : 0f;
                    }
                }
            }
        }
    }

    /**
     * The work buffers of one thread for one query tile of a head. Everything runs transposed (keys x queries)
     * so that the softmax, which is per query, runs down columns: a query is a vector lane, max / exp / sum are
     * plain lane-wise vector ops, and the probability tile P^T is produced directly in the packed-B layout the
     * P.V product reads (no transpose, no repacking).
     */
    private static final class Tile {
        final int d;
        final int dPad;
        /** (scale q_h)^T [d, TQ] packed as NR-column B slivers with kc = d. */
        final float[] qtPack;
        /** S^T / P^T [TK, TQ] as NR-column slivers: sliver s, key j, lane c at s*TK*NR + j*NR + c. */
        final float[] pt;
        /** O^T numerator [dPad, TQ] row-major. */
        final float[] acc;
        final float[] colMax = new float[TQ];
        final float[] colSum = new float[TQ];
        /** Lane i at i * width: the rows of L consecutive queries in q. */
        final int[] everyWidth;

        Tile(int d, int width) {
            this.d = d;
            this.everyWidth = VectorMath.lanesApart(width);
            this.dPad = BlockedGemm.roundUp(d, MR);
            qtPack = new float[d * TQ];
            pt = new float[TK * TQ];
            acc = new float[dPad * TQ];
        }

        /** Output rows [i0, i0+rows) of head hd: online softmax over key tiles (Milakov & Gimelshein 2018). */
        void run(Head hd, float[] q, float[] out, int i0, int rows, float scale) {
            int nk = hd.nk;
            packScaledQt(q, hd.h * d, hd.width, i0, rows, scale);
            Arrays.fill(colMax, Float.NEGATIVE_INFINITY);
            Arrays.fill(colSum, 0f);
            Arrays.fill(acc, 0f);
            int slivers = BlockedGemm.ceilDiv(rows, NR);
            for (int j0 = 0; j0 < nk; j0 += TK) {
                int keys = Math.min(TK, nk - j0);
                for (int s = 0; s < slivers; s++) {
                    // S^T [keys, sliver] = K [keys, d] . (scale log2(e) q)^T [d, sliver]
                    scores(d, keys, hd.kv, hd.kBase + j0 * d, qtPack, s * d * NR, pt, s * TK * NR);
                    softmaxStep(s, keys);
                    // O^T [dPad, sliver] += V^T [dPad, keys] . P^T [keys, sliver]
                    for (int t0 = 0; t0 < dPad; t0 += MR) {
                        BlockedGemm.kernel(keys, hd.kv, hd.vBase + t0 * nk + j0 * MR, pt, s * TK * NR, acc, t0 * TQ + s * NR,
                                TQ, true);
                    }
                }
            }
            // O^T back to rows, scalar: a strided vector load (gather) per 8 values measured 1.5x slower here
            // (192 queries x 40 values, one thread); the whole attention 1.03x faster without it
            for (int c = 0; c < rows; c++) {
                float inv = 1f / colSum[c];
                int o = (i0 + c) * hd.width + hd.h * d;
                for (int t = 0; t < d; t++) {
                    out[o + t] = acc[t * TQ + c] * inv;
                }
            }
        }

        /**
         * (scale log2(e) q)^T of queries i0 .. i0+rows into qtPack, zeros for the lanes past rows: each vector of L
         * queries' value t by one strided load of q (rows width apart), not L scalar moves.
         */
        private void packScaledQt(float[] q, int qCol, int width, int i0, int rows, float scale) {
            float scaleLog2e = scale * VectorMath.LOG2E; // softmax in base 2: 2^(s log2 e - m) = e^(s - m ln 2)
            for (int c0 = 0; c0 < TQ; c0 += L) {
                int dst = (c0 / NR) * d * NR + c0 % NR;
                int src = (i0 + c0) * width + qCol;
                if (c0 + L <= rows) {
                    for (int t = 0; t < d; t++) {
                        FloatVector.fromArray(S, q, src + t, everyWidth, 0).mul(scaleLog2e)
                                .intoArray(qtPack, dst + t * NR);
                    }
                } else if (c0 < rows) { // the last queries, lane by lane (a masked gather still checks every lane)
                    for (int t = 0; t < d; t++) {
                        for (int i = 0; i < L; i++) {
                            qtPack[dst + t * NR + i] = c0 + i < rows ? q[src + i * width + t] * scaleLog2e : 0f;
                        }
                    }
                } else {
                    for (int t = 0; t < d; t++) {
                        FloatVector.zero(S).intoArray(qtPack, dst + t * NR);
                    }
                }
            }
        }

        /**
         * Online softmax update for query sliver s over one key tile of S^T (scores already in base 2): the tile's
         * column maxima, new running max m' per query, P = 2^(S - m') in place, running sum and numerator rescaled
         * by 2^(m - m'). Lanes are queries.
         */
        private void softmaxStep(int s, int keys) {
            int base = s * TK * NR;
            for (int v = 0; v < NR; v += L) {
                int col = s * NR + v;
                FloatVector mOld = FloatVector.fromArray(S, colMax, col);
                // the tile's maxima in a pass of their own (see scores), by four independent chains: one chain
                // of dependent max operations ran at the max latency and took as long as the whole exp pass. Max
                // is exact, so the order changes no bit. Written out here: a helper returning the vector is not
                // always inlined, and then boxes it (2x slower attention)
                FloatVector m0 = FloatVector.fromArray(S, pt, base + v);
                FloatVector m1 = m0, m2 = m0, m3 = m0;
                int j = 1;
                for (int o = base + NR + v; j + 3 < keys; j += 4, o += 4 * NR) {
                    m0 = m0.max(FloatVector.fromArray(S, pt, o));
                    m1 = m1.max(FloatVector.fromArray(S, pt, o + NR));
                    m2 = m2.max(FloatVector.fromArray(S, pt, o + 2 * NR));
                    m3 = m3.max(FloatVector.fromArray(S, pt, o + 3 * NR));
                }
                for (; j < keys; j++) {
                    m0 = m0.max(FloatVector.fromArray(S, pt, base + j * NR + v));
                }
                FloatVector mNew = m0.max(m1).max(m2.max(m3)).max(mOld);
                mNew.intoArray(colMax, col);
                FloatVector sum = FloatVector.zero(S);
                for (j = 0; j < keys; j++) {
                    int idx = base + j * NR + v;
                    FloatVector e = VectorMath.exp2NonPositive(FloatVector.fromArray(S, pt, idx).sub(mNew));
                    sum = sum.add(e);
                    e.intoArray(pt, idx);
                }
                // 2^(-inf - m') ~ 0 on the first tile, so the empty running state contributes nothing
                FloatVector corr = VectorMath.exp2NonPositive(mOld.sub(mNew));
                FloatVector.fromArray(S, colSum, col).mul(corr).add(sum).intoArray(colSum, col);
                for (int t = 0; t < dPad; t++) {
                    int a = t * TQ + col;
                    FloatVector.fromArray(S, acc, a).mul(corr).intoArray(acc, a);
                }
            }
        }
    }

    /**
     * S^T [keys, NR] for one query sliver: {@link BlockedGemm#kernel} over every MR-key block of the tile (depth d,
     * no C load, rows NR apart), written to pt[ptOff + j*NR + c]; rows past the last key are padding, stored and
     * never read. The column maxima are not taken here from the registers before the store (as until 2026-11-26)
     * but by a pass of their own in {@link Tile#softmaxStep}: same bits, attention at 4096 tokens x 8 heads x 40
     * (2 threads, 12 alternations in one JVM) 1.07x faster; the maxima's loads, stores and the padding test made
     * this short-K kernel (K = 40) 1.13x slower than the plain micro-kernel. Since then it had been a copy of the
     * micro-kernel's body; calling the micro-kernel itself is no slower (AVX-512: 70.4 -> 65.9 ms at 4096 tokens,
     * AVX2: 114.4 / 114.8 ms; 3 alternations each).
     */
    static void scores(int d, int keys, float[] kPack, int kOff, float[] qt, int qOff, float[] pt, int ptOff) {
        for (int jr = 0; jr < keys; jr += MR) {
            BlockedGemm.kernel(d, kPack, kOff + jr * d, qt, qOff, pt, ptOff + jr * NR, NR, false);
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
