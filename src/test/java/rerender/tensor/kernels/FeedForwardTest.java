// The fused GEGLU feed-forward against the three operations it replaces (same bits) and against a double-precision
// evaluation of its definition (independent of the engine's products).
package rerender.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FeedForwardTest {
    static final Parallel P = new Parallel(2);

    /** x W^T + b, GEGLU, x W^T + b by the unfused kernels. */
    private static float[] unfused(float[] x, int rows, FeedForward.Weight w1, float[] b1, FeedForward.Weight w2,
                                   float[] b2) {
        float[] h = new float[rows * w1.out()];
        linear(x, rows, w1, b1, h);
        float[] g = new float[rows * w2.in()];
        Activations.geglu(P, h, g, rows, w2.in());
        float[] y = new float[rows * w2.out()];
        linear(g, rows, w2, b2, y);
        return y;
    }

    private static void linear(float[] x, int rows, FeedForward.Weight w, float[] b, float[] y) {
        if (w.half() != null) {
            Gemm.gemmLinear(P, rows, x, 0, w.in(), w.half(), b, y, 0, w.out(), false);
        } else {
            Gemm.gemmTransB(P, rows, w.out(), w.in(), x, 0, w.in(), w.full(), 0, w.in(), b, y, 0, w.out(), false);
        }
    }

    private static FeedForward.Weight weight(int out, int in, boolean half, long seed) {
        float[] w = KernelTestSupport.random(out * in, seed);
        for (int i = 0; i < w.length; i++) {
            w[i] *= 0.1f;
        }
        if (!half) {
            return FeedForward.Weight.of(w, out, in);
        }
        short[] bits = HalfWeightsTest.toHalf(w);
        return FeedForward.Weight.of(LinearWeights.packHalf(Fp16.copyOf(bits), out, in));
    }

    private static float value(FeedForward.Weight w, int j, int l) {
        return w.half() != null ? w.half().get(j, l) : w.full()[j * w.in() + l];
    }

    @Test
    void fusedEqualsLinearGegluLinearBitForBit() {
        // rows: below one block, not a multiple of MR, several blocks with a short last one, enough for both
        // threads; widths with edge slivers (40 -> 2 x 100 -> 30) and one K-block and several (700 deep hidden)
        int[][] shapes = {{1, 40, 100, 30}, {95, 40, 100, 30}, {97, 24, 48, 24}, {400, 64, 1400, 50}, {601, 33, 70, 17}};
        long seed = 1;
        for (int[] sh : shapes) {
            int rows = sh[0], c = sh[1], hidden = sh[2], out = sh[3];
            for (boolean half : new boolean[] {true, false}) {
                for (boolean biases : new boolean[] {true, false}) {
                    FeedForward.Weight w1 = weight(2 * hidden, c, half, seed++);
                    FeedForward.Weight w2 = weight(out, hidden, half, seed++);
                    float[] b1 = biases ? KernelTestSupport.random(2 * hidden, seed++) : null;
                    float[] b2 = biases ? KernelTestSupport.random(out, seed++) : null;
                    float[] x = KernelTestSupport.random(rows * c, seed++);
                    float[] y = new float[rows * out];
                    java.util.Arrays.fill(y, Float.NaN); // every element must be written
                    FeedForward.geglu(P, x, rows, w1, b1, w2, b2, y);
                    String what = java.util.Arrays.toString(sh) + " half=" + half + " biases=" + biases;
                    assertArrayEquals(unfused(x, rows, w1, b1, w2, b2), y, 0f, what);
                    // and it is the definition, within float rounding: a few rows in double precision
                    for (int i = 0; i < rows; i += Math.max(1, rows / 3)) {
                        double[] g = new double[hidden];
                        for (int j = 0; j < hidden; j++) {
                            double a = biases ? b1[j] : 0, gate = biases ? b1[hidden + j] : 0;
                            for (int l = 0; l < c; l++) {
                                a += (double) x[i * c + l] * value(w1, j, l);
                                gate += (double) x[i * c + l] * value(w1, hidden + j, l);
                            }
                            g[j] = a * Activations.geluReference(gate);
                        }
                        for (int o = 0; o < out; o++) {
                            double s = biases ? b2[o] : 0;
                            for (int j = 0; j < hidden; j++) {
                                s += g[j] * value(w2, o, j);
                            }
                            assertEquals(s, y[i * out + o], 1e-4 * (1 + Math.abs(s)), what + " y[" + i + "," + o + "]");
                        }
                    }
                }
            }
        }
    }

    @Test
    void fusesOnlyManyRowsWithWeightsThatFitTheSharedBuffers() {
        FeedForward.Weight w1 = weight(2560, 320, true, 5), w2 = weight(320, 1280, true, 6);
        assertTrue(FeedForward.fuses(4096, w1, w2));
        assertFalse(FeedForward.fuses(256, w1, w2));
        assertFalse(FeedForward.fuses(1024, w1, w2), "the 32x32 level measured slower fused");
        FeedForward.Weight big1 = FeedForward.Weight.of(new float[10240 * 1280], 10240, 1280);
        FeedForward.Weight big2 = FeedForward.Weight.of(new float[1280 * 5120], 1280, 5120);
        assertFalse(FeedForward.fuses(4096, big1, big2), "13 M floats of packed weight are past the shared limit");
    }

    @Test
    void mismatchedWeightsAreRefused() {
        FeedForward.Weight w1 = weight(20, 8, false, 7), w2 = weight(8, 12, false, 8); // GEGLU gives 10, not 12
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FeedForward.geglu(P, new float[8], 1, w1, null, w2, null, new float[8]));
        assertTrue(e.getMessage().contains("GEGLU"), e.getMessage());
    }
}
