// Vectorised SiLU / GELU / GEGLU against the scalar double references, plus known values of GELU.
package rerender.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class ActivationsTest {
    static final Parallel P = new Parallel(2);

    @AfterAll
    static void close() {
        P.close();
    }

    static float[] wide(int n, long seed) {
        float[] x = KernelTestSupport.random(n, seed);
        for (int i = 0; i < n; i++) {
            x[i] *= 4; // reach the saturated tails of erf and the sigmoid
        }
        return x;
    }

    @Test
    void siluAndGeluMatchReferences() {
        for (int n : new int[] {1, 7, 8, 33, 40001}) {
            float[] x = wide(n, n);
            float[] fast = new float[n], ref = new float[n];
            Activations.silu(P, x, fast, n);
            Activations.siluReference(x, ref, n);
            assertTrue(KernelTestSupport.relL2(fast, ref) <= 1e-5, "silu n=" + n);
            Activations.gelu(P, x, fast, n);
            Activations.geluReference(x, ref, n);
            assertTrue(KernelTestSupport.relL2(fast, ref) <= 1e-5, "gelu n=" + n);
        }
    }

    @Test
    void gegluMatchesReference() {
        for (int[] t : new int[][] {{1, 1}, {3, 5}, {77, 40}, {300, 1280}}) {
            int rows = t[0], width = t[1];
            float[] x = wide(rows * 2 * width, rows + width);
            float[] fast = new float[rows * width], ref = new float[rows * width];
            Activations.geglu(P, x, fast, rows, width);
            Activations.gegluReference(x, ref, rows, width);
            assertTrue(KernelTestSupport.relL2(fast, ref) <= 1e-5, "geglu " + rows + "x" + width);
        }
    }

    @Test
    void geluKnownValues() {
        // GELU(x) = x Phi(x): Phi(1) = 0.8413447, Phi(-1) = 0.1586553, Phi(3) = 0.9986501
        float[] x = {0f, 1f, -1f, 3f, -3f, 0f, 0f, 0f, 0f};
        float[] y = new float[x.length];
        Activations.gelu(P, x, y, x.length);
        assertEquals(0f, y[0], 1e-7f);
        assertEquals(0.8413447f, y[1], 2e-6f);
        assertEquals(-0.1586553f, y[2], 2e-6f);
        assertEquals(3 * 0.9986501f, y[3], 2e-6f);
        assertEquals(-3 * (1 - 0.9986501f), y[4], 2e-6f);
    }
}
