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
    void rejectsIndivisibleGroups() {
        assertThrows(IllegalArgumentException.class, () -> Norms.groupNorm(P, new float[10], new float[10], 1, 5, 2,
                2, new float[5], new float[5], 1e-5f, false));
    }
}
