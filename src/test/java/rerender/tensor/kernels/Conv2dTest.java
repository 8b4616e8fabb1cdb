// Implicit-GEMM convolution against the direct seven-loop reference: 3x3 / 1x1 / even kernels, stride 1 and 2,
// pad 0 / 1 / 2, odd and tiny images, batch > 1, with and without bias.
package rerender.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class Conv2dTest {
    static final Parallel P = new Parallel(2);

    @AfterAll
    static void close() {
        P.close();
    }

    // n, c, h, w, o, kh, kw, stride, pad
    static final int[][] CASES = {
        {1, 1, 1, 1, 1, 1, 1, 1, 0},
        {1, 3, 5, 7, 4, 3, 3, 1, 1},
        {2, 5, 9, 11, 7, 3, 3, 2, 1},
        {1, 4, 8, 8, 6, 3, 3, 2, 0},
        {1, 7, 13, 3, 5, 1, 1, 1, 0},
        {2, 6, 6, 10, 3, 1, 1, 2, 0},
        {1, 2, 4, 4, 3, 3, 3, 1, 2},
        {1, 3, 7, 9, 2, 2, 4, 1, 1},
        {1, 16, 31, 29, 33, 3, 3, 1, 1},
        {1, 32, 40, 40, 20, 3, 3, 2, 1},
        {1, 40, 30, 30, 50, 1, 1, 1, 0},
        {1, 1, 2, 2, 1, 3, 3, 1, 1},
        {1, 40, 70, 66, 5, 3, 3, 1, 1}, // several K panels (C*9 > KC) and N panels (H*W > NC)
        {1, 3, 6, 9, 4, 1, 3, 1, 1}, // non-square kernel with padding: output taller than input
        {1, 3, 9, 6, 4, 3, 1, 1, 1},
        {1, 300, 5, 5, 7, 1, 1, 1, 0}, // 1x1 with K > KC
    };

    @Test
    void forwardMatchesReference() {
        long seed = 1;
        for (int[] t : CASES) {
            for (boolean withBias : new boolean[] {true, false}) {
                int n = t[0], c = t[1], h = t[2], w = t[3], o = t[4], kh = t[5], kw = t[6], stride = t[7], pad = t[8];
                float[] x = KernelTestSupport.random(n * c * h * w, seed++);
                float[] wt = KernelTestSupport.random(o * c * kh * kw, seed++);
                float[] bias = withBias ? KernelTestSupport.random(o, seed++) : null;
                float[] fast = Conv2d.forward(P, x, n, c, h, w, wt, o, kh, kw, bias, stride, pad);
                float[] ref = Conv2d.reference(P, x, n, c, h, w, wt, o, kh, kw, bias, stride, pad);
                int ho = (h + 2 * pad - kh) / stride + 1, wo = (w + 2 * pad - kw) / stride + 1;
                String what = java.util.Arrays.toString(t) + " bias=" + withBias;
                assertEquals(n * o * ho * wo, fast.length, what);
                double err = KernelTestSupport.relL2(fast, ref);
                assertTrue(err <= 1e-5, what + " error " + err);
            }
        }
    }

    @Test
    void referenceAgreesWithHandComputedCase() {
        // 1 channel 3x3 image 1..9, all-ones 3x3 kernel, pad 1: centre = 45, corner (0,0) = 1+2+4+5 = 12
        float[] x = {1, 2, 3, 4, 5, 6, 7, 8, 9};
        float[] wt = {1, 1, 1, 1, 1, 1, 1, 1, 1};
        float[] y = Conv2d.forward(P, x, 1, 1, 3, 3, wt, 1, 3, 3, new float[] {0.5f}, 1, 1);
        assertEquals(45.5f, y[4], 1e-5f);
        assertEquals(12.5f, y[0], 1e-5f);
        assertEquals(28.5f, y[8], 1e-5f); // 5+6+8+9
    }

    @Test
    void rejectsWrongWeightSize() {
        assertThrows(IllegalArgumentException.class,
                () -> Conv2d.forward(P, new float[16], 1, 1, 4, 4, new float[8], 1, 3, 3, null, 1, 1));
    }
}
