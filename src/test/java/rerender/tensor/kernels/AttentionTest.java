// Tiled online-softmax attention against the naive per-row reference, for awkward sizes and SD-like head dims.
package rerender.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class AttentionTest {
    static final Parallel P = new Parallel(2);

    @AfterAll
    static void close() {
        P.close();
    }

    // nq, nk, heads, d
    static final int[][] CASES = {
        {1, 1, 1, 1}, {1, 5, 1, 3}, {7, 1, 2, 4}, {5, 77, 8, 40}, {49, 300, 3, 8}, {97, 241, 1, 24},
        {200, 77, 8, 40}, {130, 517, 2, 80}, {64, 64, 5, 17}, {49, 49, 1, 160},
    };

    @Test
    void forwardMatchesReference() {
        long seed = 1;
        for (int[] t : CASES) {
            int nq = t[0], nk = t[1], heads = t[2], d = t[3];
            int w = heads * d;
            float[] q = KernelTestSupport.random(nq * w, seed++), k = KernelTestSupport.random(nk * w, seed++);
            float[] v = KernelTestSupport.random(nk * w, seed++);
            // a large scale makes the softmax peaky, which exercises the running-max rescaling
            for (float scale : new float[] {(float) (1 / Math.sqrt(d)), 3f}) {
                float[] fast = new float[nq * w], ref = new float[nq * w];
                Attention.forward(P, q, k, v, fast, nq, nk, heads, d, scale);
                Attention.reference(P, q, k, v, ref, nq, nk, heads, d, scale);
                double err = KernelTestSupport.relL2(fast, ref);
                assertTrue(err <= 1e-5, java.util.Arrays.toString(t) + " scale " + scale + " error " + err);
            }
        }
    }

    @Test
    void aScoreFarAboveTheEarlierTilesMaximumTakesOver() {
        // the online softmax must rescale what earlier key tiles accumulated when a later tile's maximum is far
        // higher (here ~1400 in base 2, beyond the exp's clamp at 2^-126): the softmax is then one-hot on that key,
        // so every output row is its value row (independent reasoning, not a recorded output)
        int nq = 30, nk = 3 * Attention.TK + 5, heads = 1, d = 4, hot = 2 * Attention.TK + 7;
        float[] q = new float[nq * d], k = new float[nk * d], v = KernelTestSupport.random(nk * d, 11);
        for (int i = 0; i < nq; i++) {
            q[i * d] = 10f;
        }
        for (int j = 0; j < nk; j++) {
            k[j * d] = j == hot ? 100f : 0.01f * (j % 7);
        }
        float[] out = new float[nq * d];
        Attention.forward(P, q, k, v, out, nq, nk, heads, d, 1f);
        for (int i = 0; i < nq; i++) {
            for (int t = 0; t < d; t++) {
                assertEquals(v[hot * d + t], out[i * d + t], 1e-6, "row " + i);
            }
        }
    }

    @Test
    void uniformScoresAverageTheValues() {
        // zero queries -> all scores equal -> each output is the mean of the value rows
        int nq = 3, nk = 250, heads = 2, d = 5, w = heads * d;
        float[] q = new float[nq * w], k = KernelTestSupport.random(nk * w, 7), v = KernelTestSupport.random(nk * w, 8);
        float[] out = new float[nq * w];
        Attention.forward(P, q, k, v, out, nq, nk, heads, d, 1f);
        for (int c = 0; c < w; c++) {
            double mean = 0;
            for (int j = 0; j < nk; j++) {
                mean += v[j * w + c];
            }
            mean /= nk;
            for (int i = 0; i < nq; i++) {
                assertEquals(mean, out[i * w + c], 1e-5);
            }
        }
    }

    @Test
    void exp2MatchesMathPowOnTheSoftmaxRange() {
        int n = BlockedGemm.L;
        float[] x = new float[n], y = new float[n];
        double worst = 0;
        for (int i = 0; i <= 126_000; i += n) {
            for (int l = 0; l < n; l++) {
                x[l] = -Math.min(i + l, 126_000) / 1000f; // 0 .. -126 in steps of 1/1000, integers and half-integers included
            }
            VectorMath.exp2NonPositive(jdk.incubator.vector.FloatVector.fromArray(BlockedGemm.S, x, 0)).intoArray(y, 0);
            for (int l = 0; l < n; l++) {
                double want = Math.pow(2, x[l]);
                worst = Math.max(worst, Math.abs(y[l] - want) / want);
            }
        }
        assertTrue(worst < 3e-7, "max relative error " + worst);
        // below the range: a value no larger than 2^-126 (softmax weight of a hopeless key), never negative or NaN
        x[0] = Float.NEGATIVE_INFINITY;
        x[1] = -1000f;
        VectorMath.exp2NonPositive(jdk.incubator.vector.FloatVector.fromArray(BlockedGemm.S, x, 0)).intoArray(y, 0);
        assertTrue(y[0] >= 0 && y[0] <= 0x1p-126f && y[1] >= 0 && y[1] <= 0x1p-126f, y[0] + " " + y[1]);
    }
}
