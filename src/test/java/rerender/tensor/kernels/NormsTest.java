// Vectorised, threaded GroupNorm / LayerNorm against the double-precision references, plus analytic checks.
package rerender.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class NormsTest {
    static final Parallel P = new Parallel(2);

    @AfterAll
    static void close() {
        P.close();
    }

    @Test
    void groupNormMatchesReference() {
        // n, c, hw, groups
        int[][] cases = {{1, 1, 1, 1}, {1, 4, 7, 2}, {2, 6, 13, 3}, {1, 32, 1, 32}, {2, 64, 1029, 32},
            {1, 30, 4099, 5}, {3, 9, 17, 9}};
        long seed = 1;
        for (int[] t : cases) {
            for (boolean silu : new boolean[] {false, true}) {
                int n = t[0], c = t[1], hw = t[2], g = t[3];
                float[] x = KernelTestSupport.random(n * c * hw, seed++);
                for (int i = 0; i < x.length; i++) {
                    x[i] = x[i] * 3 + 5; // non-zero mean, non-unit variance
                }
                float[] gamma = KernelTestSupport.random(c, seed++), beta = KernelTestSupport.random(c, seed++);
                float[] fast = new float[x.length], ref = new float[x.length];
                Norms.groupNorm(P, x, fast, n, c, hw, g, gamma, beta, 1e-5f, silu);
                Norms.groupNormReference(P, x, ref, n, c, hw, g, gamma, beta, 1e-5f, silu);
                double err = KernelTestSupport.relL2(fast, ref);
                assertTrue(err <= 1e-5, java.util.Arrays.toString(t) + " silu=" + silu + " error " + err);
                float[] inPlace = x.clone();
                Norms.groupNorm(P, inPlace, inPlace, n, c, hw, g, gamma, beta, 1e-5f, silu);
                assertTrue(KernelTestSupport.relL2(inPlace, ref) <= 1e-5, "in place " + java.util.Arrays.toString(t));
            }
        }
    }

    @Test
    void layerNormMatchesReference() {
        int[][] cases = {{1, 1}, {3, 7}, {5, 320}, {77, 768}, {129, 1283}};
        long seed = 50;
        for (int[] t : cases) {
            int rows = t[0], width = t[1];
            float[] x = KernelTestSupport.random(rows * width, seed++);
            float[] gamma = KernelTestSupport.random(width, seed++), beta = KernelTestSupport.random(width, seed++);
            float[] fast = new float[x.length], ref = new float[x.length];
            Norms.layerNorm(P, x, fast, rows, width, gamma, beta, 1e-5f);
            Norms.layerNormReference(P, x, ref, rows, width, gamma, beta, 1e-5f);
            double err = KernelTestSupport.relL2(fast, ref);
            assertTrue(err <= 1e-5, java.util.Arrays.toString(t) + " error " + err);
        }
    }

    @Test
    void layerNormOfKnownRow() {
        // row 1,2,3,4: mean 2.5, biased var 1.25 -> (x - 2.5)/sqrt(1.25)
        float[] x = {1, 2, 3, 4}, out = new float[4];
        Norms.layerNorm(P, x, out, 1, 4, new float[] {1, 1, 1, 1}, new float[] {0, 0, 0, 0}, 0f);
        for (int i = 0; i < 4; i++) {
            assertEquals((i + 1 - 2.5) / Math.sqrt(1.25), out[i], 1e-6);
        }
    }

    @Test
    void groupNormSiluOfZeroIsZero() {
        // constant input -> normalised value 0 -> y = beta; beta 0 -> silu(0) = 0; beta 2 -> 2*sigmoid(2)
        float[] x = new float[2 * 8];
        java.util.Arrays.fill(x, 4f);
        float[] out = new float[x.length];
        Norms.groupNorm(P, x, out, 1, 2, 8, 1, new float[] {1, 1}, new float[] {0, 2}, 1e-5f, true);
        assertEquals(0f, out[0], 1e-7f);
        assertEquals(2 / (1 + Math.exp(-2)), out[8], 1e-6);
    }

    @Test
    void groupNormStatisticsSurviveLargeMeansSmallSpreadsAndAnOutlierFirst() {
        // one pass with a shift: a group at 1000 +- 1e-3 and a group whose first value is a 6-sigma outlier must
        // give the moments of a two-pass double computation (the plain E[x^2]-E[x]^2 in float would give garbage)
        int c = 4, hw = 3001, g = 2;
        java.util.Random r = new java.util.Random(7);
        float[] x = new float[c * hw];
        for (int i = 0; i < 2 * hw; i++) {
            x[i] = 1000f + (float) r.nextGaussian() * 1e-3f;
        }
        for (int i = 2 * hw; i < 4 * hw; i++) {
            x[i] = -3f + (float) r.nextGaussian();
        }
        x[2 * hw] = 3f; // first element of group 1, six standard deviations out
        for (int group = 0; group < g; group++) {
            int off = group * 2 * hw, len = 2 * hw;
            double mean = 0, var = 0;
            for (int i = off; i < off + len; i++) {
                mean += x[i];
            }
            mean /= len;
            for (int i = off; i < off + len; i++) {
                var += (x[i] - mean) * (x[i] - mean);
            }
            var /= len;
            double[] mv = Norms.shiftedMoments(x, off, len);
            assertEquals(mean, mv[0], 1e-5 * Math.sqrt(var), "mean of group " + group); // in units of its spread
            assertEquals(var, mv[1], 1e-4 * var, "variance of group " + group);
        }
        // and the normalised output of the outlier group agrees with the double reference
        float[] gamma = {1, 1, 1, 1}, beta = {0, 0, 0, 0};
        float[] fast = new float[x.length], ref = new float[x.length];
        Norms.groupNorm(P, x, fast, 1, c, hw, g, gamma, beta, 0f, false);
        Norms.groupNormReference(P, x, ref, 1, c, hw, g, gamma, beta, 0f, false);
        float[] fast1 = java.util.Arrays.copyOfRange(fast, 2 * hw, 4 * hw);
        float[] ref1 = java.util.Arrays.copyOfRange(ref, 2 * hw, 4 * hw);
        assertTrue(KernelTestSupport.relL2(fast1, ref1) < 1e-5, "relL2 " + KernelTestSupport.relL2(fast1, ref1));
    }

    @Test
    void rejectsIndivisibleGroups() {
        assertThrows(IllegalArgumentException.class, () -> Norms.groupNorm(P, new float[10], new float[10], 1, 5, 2,
                2, new float[5], new float[5], 1e-5f, false));
    }
}
