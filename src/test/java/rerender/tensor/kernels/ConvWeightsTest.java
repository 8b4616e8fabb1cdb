// The packed fp16 convolution weights against the row-major fp16 ones they are made from: the same values handed to
// the GEMM and to the Winograd transforms, hence bit-identical convolutions.
package rerender.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class ConvWeightsTest {
    static final Parallel P = new Parallel(2);

    @AfterAll
    static void close() {
        P.close();
    }

    static short[] halfRandom(int n, long seed) {
        return HalfWeightsTest.toHalf(KernelTestSupport.random(n, seed));
    }

    @Test
    void packedBlocksAreTheRowMajorBlocks() {
        // rows not a multiple of MR; depth 1000 -> K-blocks of 250 (4 of them); depth 300 -> one block
        for (int[] shape : new int[][] {{7, 1000}, {5, 300}, {1, 9}, {130, 2880}}) {
            int rows = shape[0], depth = shape[1];
            short[] raw = halfRandom(rows * depth, rows + depth);
            MemorySegment seg = Fp16.copyOf(raw);
            ConvWeights packed = ConvWeights.packHalf(seg, rows, depth);
            assertTrue(packed.isPacked());
            BlockedGemm.PackA want = BlockedGemm.rowMajorAHalf(seg, 0, depth), got = packed.packer();
            int kcMax = BlockedGemm.kcMax(depth);
            int mr = BlockedGemm.MR;
            for (int k0 = 0; k0 < depth; k0 += kcMax) {
                int kc = Math.min(kcMax, depth - k0);
                for (int i0 = 0; i0 < rows; i0 += mr) {
                    for (int mc : new int[] {Math.min(mr, rows - i0), rows - i0}) {
                        float[] a = new float[BlockedGemm.roundUp(mc, mr) * kc], b = new float[a.length];
                        java.util.Arrays.fill(b, Float.NaN); // every element must be written
                        want.pack(i0, mc, k0, kc, a);
                        got.pack(i0, mc, k0, kc, b);
                        assertArrayEquals(a, b, 0f, rows + "x" + depth + " block i0=" + i0 + " mc=" + mc + " k0=" + k0);
                    }
                }
            }
        }
    }

    @Test
    void interleavedSliversHoldTheFiltersRowByRowPerColumn() {
        // what the Winograd transforms read: out[(k - from) * MR + r] = W[sl * MR + r, k], zeros past the last
        // row; ranges across the K-blocks of the packed storage (depth 1000 -> blocks of 250), every storage
        int rows = 8, depth = 1000;
        short[] raw = halfRandom(rows * depth, 4);
        MemorySegment seg = Fp16.copyOf(raw);
        float[] f32 = new float[raw.length];
        for (int i = 0; i < raw.length; i++) {
            f32[i] = Float.float16ToFloat(raw[i]);
        }
        ConvWeights[] storages = {ConvWeights.packHalf(seg, rows, depth), ConvWeights.ofHalf(seg, rows, depth),
                ConvWeights.of(f32, rows, depth)};
        for (int[] range : new int[][] {{0, 1000}, {9, 18}, {245, 260}, {240, 760}, {999, 1000}}) {
            int len = range[1] - range[0];
            for (ConvWeights w : storages) {
                for (int sl = 0; sl < 3; sl++) {
                    float[] out = new float[3 * len];
                    java.util.Arrays.fill(out, Float.NaN);
                    w.sliverInterleaved(sl, range[0], range[1], out);
                    for (int k = range[0]; k < range[1]; k++) {
                        for (int r = 0; r < 3; r++) {
                            int row = sl * 3 + r;
                            float want = row < rows ? Float.float16ToFloat(raw[row * depth + k]) : 0f;
                            assertEquals(want, out[(k - range[0]) * 3 + r], 0f, "packed=" + w.isPacked() + " sliver "
                                    + sl + " k " + k + " row " + r);
                        }
                    }
                }
            }
        }
    }

    @Test
    void convolutionsWithPackedWeightsAreBitIdentical() {
        // {n, c, h, w, o, k, stride}: implicit GEMM (1x1, strided 3x3, 8x8), fused F2 (16x16), F4 (32x32)
        int[][] cases = {{1, 130, 8, 8, 131, 3, 1}, {1, 40, 9, 7, 5, 1, 1}, {1, 33, 10, 10, 20, 3, 2},
                {1, 130, 16, 16, 131, 3, 1}, {1, 128, 32, 32, 128, 3, 1}};
        long seed = 20;
        for (int[] t : cases) {
            int n = t[0], c = t[1], h = t[2], w = t[3], o = t[4], k = t[5], stride = t[6], pad = k / 2;
            float[] x = KernelTestSupport.random(n * c * h * w, seed++);
            short[] raw = halfRandom(o * c * k * k, seed++);
            float[] bias = KernelTestSupport.random(o, seed++);
            float[] plain = Conv2d.forward(P, x, n, c, h, w, Fp16.copyOf(raw), o, k, k, bias, stride, pad);
            float[] packed = Conv2d.forward(P, x, n, c, h, w,
                    ConvWeights.packHalf(Fp16.copyOf(raw), o, c * k * k), k, k, bias, stride, pad);
            assertArrayEquals(plain, packed, 0f, java.util.Arrays.toString(t));
        }
    }

    @Test
    void rejectsAWeightOfTheWrongSize() {
        assertThrows(IllegalArgumentException.class, () -> ConvWeights.packHalf(Fp16.copyOf(new short[10]), 3, 4));
        ConvWeights w = ConvWeights.packHalf(Fp16.copyOf(new short[12]), 3, 4);
        assertThrows(IllegalArgumentException.class,
                () -> Conv2d.forward(P, new float[5 * 4], 1, 5, 2, 2, w, 1, 1, null, 1, 0)); // depth 4 != C 5
    }
}
