// Linear weights packed at load against the row-major fp16 weight they come from.
package rerender.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class LinearWeightsTest {
    static final Parallel P = new Parallel(2);

    @AfterAll
    static void close() {
        P.close();
    }

    /** W [out, in] row-major transposed: [in, out] (the B operand of y = x W^T). */
    static short[] transpose(short[] w, int out, int in) {
        short[] t = new short[w.length];
        for (int j = 0; j < out; j++) {
            for (int l = 0; l < in; l++) {
                t[l * out + j] = w[j * in + l];
            }
        }
        return t;
    }

    @Test
    void packedBlocksAreTheTransposedWeightsBlocks() {
        // out not a multiple of NR (24); in 1000 -> K-blocks of 250; in 77 -> one block
        for (int[] shape : new int[][] {{50, 1000}, {24, 77}, {1, 5}, {320, 640}}) {
            int out = shape[0], in = shape[1];
            short[] w = HalfWeightsTest.toHalf(KernelTestSupport.random(out * in, out + in));
            LinearWeights packed = LinearWeights.packHalf(Fp16.copyOf(w), out, in);
            BlockedGemm.PackB want = BlockedGemm.rowMajorBHalf(Fp16.copyOf(transpose(w, out, in)), 0, out);
            BlockedGemm.PackB got = packed.packer();
            int kcMax = BlockedGemm.kcMax(in), nr = BlockedGemm.NR;
            for (int k0 = 0; k0 < in; k0 += kcMax) {
                int kc = Math.min(kcMax, in - k0);
                for (int j0 = 0; j0 < out; j0 += nr) {
                    for (int nc : new int[] {Math.min(nr, out - j0), out - j0}) {
                        float[] a = new float[BlockedGemm.roundUp(nc, nr) * kc], b = new float[a.length];
                        java.util.Arrays.fill(b, Float.NaN); // every element, padding included, must be written
                        want.pack(k0, kc, j0, nc, a);
                        got.pack(k0, kc, j0, nc, b);
                        assertArrayEquals(a, b, 0f, out + "x" + in + " block j0=" + j0 + " nc=" + nc + " k0=" + k0);
                    }
                }
            }
            for (int j = 0; j < out; j += 7) {
                for (int l = 0; l < in; l += 5) {
                    assertEquals(Float.float16ToFloat(w[j * in + l]), packed.get(j, l), 0f);
                }
            }
        }
    }

    @Test
    void productMatchesTheNaiveSum() {
        int m = 37, out = 50, in = 300;
        float[] x = KernelTestSupport.random(m * in, 1);
        short[] w = HalfWeightsTest.toHalf(KernelTestSupport.random(out * in, 2));
        float[] y = new float[m * out];
        Gemm.gemmLinear(P, m, x, 0, in, LinearWeights.packHalf(Fp16.copyOf(w), out, in), y, 0, out, false);
        double worst = 0;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < out; j++) {
                double s = 0;
                for (int l = 0; l < in; l++) {
                    s += (double) x[i * in + l] * Float.float16ToFloat(w[j * in + l]);
                }
                worst = Math.max(worst, Math.abs(s - y[i * out + j]) / (1 + Math.abs(s)));
            }
        }
        assertTrue(worst < 1e-5, "worst relative error " + worst);
    }

    @Test
    void biasAddedByTheProductEqualsABiasFilledOutputBitForBit() {
        // The product adds the bias to each tile after its first K-block; the old way filled y with the bias and
        // accumulated into it. Both give bias + sum of the first K-block, then the later K-blocks: the same bits.
        // Shapes: edge rows and columns (m % 3, out % 24 != 0), one K-block (300) and several (1000 -> 4 x 250),
        // a single row (one thread) and a product large enough for both threads.
        for (int[] shape : new int[][] {{37, 50, 300}, {64, 100, 1000}, {1, 30, 1000}, {400, 333, 700}}) {
            int m = shape[0], out = shape[1], in = shape[2];
            float[] x = KernelTestSupport.random(m * in, m);
            short[] w = HalfWeightsTest.toHalf(KernelTestSupport.random(out * in, out));
            float[] bias = KernelTestSupport.random(out, in);
            LinearWeights packed = LinearWeights.packHalf(Fp16.copyOf(w), out, in);
            float[] filled = new float[m * out];
            for (int i = 0; i < m; i++) {
                System.arraycopy(bias, 0, filled, i * out, out);
            }
            Gemm.gemmLinear(P, m, x, 0, in, packed, filled, 0, out, true);
            float[] epilogue = new float[m * out];
            java.util.Arrays.fill(epilogue, Float.NaN); // must be overwritten, never read
            Gemm.gemmLinear(P, m, x, 0, in, packed, bias, epilogue, 0, out, false);
            assertArrayEquals(filled, epilogue, 0f, m + "x" + in + "->" + out);
            // and it is x W^T + b within float rounding of the exact sum
            for (int i = 0; i < m; i += 7) {
                for (int j = 0; j < out; j += 3) {
                    double s = bias[j];
                    for (int l = 0; l < in; l++) {
                        s += (double) x[i * in + l] * Float.float16ToFloat(w[j * in + l]);
                    }
                    assertEquals(s, epilogue[i * out + j], 1e-4 * (1 + Math.abs(s)), "y[" + i + "," + j + "]");
                }
            }
        }
    }

    @Test
    void rejectsABiasOfTheWrongLength() {
        LinearWeights packed = LinearWeights.packHalf(Fp16.copyOf(new short[12]), 3, 4);
        assertThrows(IllegalArgumentException.class,
                () -> Gemm.gemmLinear(P, 1, new float[4], 0, 4, packed, new float[2], new float[3], 0, 3, false));
    }

    @Test
    void rejectsAWeightOfTheWrongSize() {
        MemorySegment w = Fp16.copyOf(new short[10]);
        assertThrows(IllegalArgumentException.class, () -> LinearWeights.packHalf(w, 3, 4));
    }
}
