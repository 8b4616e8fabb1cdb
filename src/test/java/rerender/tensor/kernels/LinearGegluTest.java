// The fused linear + GEGLU kernel against the two steps it replaces (bit for bit) and against a scalar double
// computation of the same formula.
package rerender.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LinearGegluTest {
    /** out[i, j] = v * gelu(g), [v | g] = x W^T + bias, in double from the fp16 weight's exact values. */
    static float[] reference(float[] x, short[] w, float[] bias, int m, int in, int h) {
        float[] out = new float[m * h];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < h; j++) {
                double v = bias[j], g = bias[h + j];
                for (int l = 0; l < in; l++) {
                    v += (double) x[i * in + l] * Float.float16ToFloat(w[j * in + l]);
                    g += (double) x[i * in + l] * Float.float16ToFloat(w[(h + j) * in + l]);
                }
                out[i * h + j] = (float) (v * Activations.geluReference(g));
            }
        }
        return out;
    }

    @Test
    void fusedEqualsProductThenGegluBitForBitOnAwkwardShapes() {
        // rows not multiples of the micro-tile or of the row blocks; H not a multiple of NR (24); in 700 -> two
        // K-blocks of 350; 1, 2 and 3 threads
        int[][] shapes = {{517, 320, 37}, {300, 700, 64}, {1030, 640, 200}, {12, 40, 5}};
        for (int threads = 1; threads <= 3; threads++) {
            try (Parallel p = new Parallel(threads)) {
                for (int[] s : shapes) {
                    int m = s[0], in = s[1], h = s[2], n = 2 * h;
                    float[] x = KernelTestSupport.random(m * in, m + in);
                    short[] w = HalfWeightsTest.toHalf(KernelTestSupport.random(n * in, n * 7L + in));
                    float[] bias = KernelTestSupport.random(n, 5);
                    LinearWeights packed = LinearWeights.packHalf(Fp16.copyOf(w), n, in);
                    float[] product = new float[m * n], want = new float[m * h];
                    Gemm.gemmLinear(p, m, x, 0, in, packed, bias, product, 0, n, false);
                    Activations.geglu(p, product, want, m, h);
                    float[] got = new float[m * h];
                    boolean fused = Gemm.linearGeglu(p, m, x, 0, in, packed, bias, got);
                    String what = threads + " threads, " + m + "x" + in + "->" + n;
                    if (m >= 2 * threads * BlockedGemm.MR) {
                        assertTrue(fused, what);
                        assertArrayEquals(want, got, what);
                    } else {
                        assertFalse(fused, what);
                    }
                    if (threads == 2 && m <= 520) {
                        assertTrue(KernelTestSupport.relL2(reference(x, w, bias, m, in, h), want) < 1e-5, what);
                    }
                    // the float32 weight path: same values as the fp16 one (the weight is the same, widened)
                    float[] wf = new float[w.length];
                    for (int i = 0; i < w.length; i++) {
                        wf[i] = Float.float16ToFloat(w[i]);
                    }
                    float[] gotF = new float[m * h];
                    if (Gemm.linearGeglu(p, m, in, x, 0, in, wf, n, bias, gotF)) {
                        assertArrayEquals(want, gotF, what + " (float32 weight)");
                    }
                }
            }
        }
    }

    @Test
    void rejectsAnOddWidthAndAShortOutput() {
        try (Parallel p = new Parallel(2)) {
            float[] x = new float[64 * 8];
            LinearWeights odd = LinearWeights.packHalf(Fp16.copyOf(new short[7 * 8]), 7, 8);
            assertThrows(IllegalArgumentException.class,
                    () -> Gemm.linearGeglu(p, 64, x, 0, 8, odd, null, new float[64 * 4]));
            LinearWeights even = LinearWeights.packHalf(Fp16.copyOf(new short[6 * 8]), 6, 8);
            assertThrows(IllegalArgumentException.class,
                    () -> Gemm.linearGeglu(p, 64, x, 0, 8, even, null, new float[64 * 3 - 1]));
        }
    }
}
