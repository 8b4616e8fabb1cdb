// fp16-weight entry points: identical to the float paths run on the widened weights (packing only converts).
package rerender.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class HalfWeightsTest {
    static final Parallel P = new Parallel(2);

    @AfterAll
    static void close() {
        P.close();
    }

    static short[] toHalf(float[] f) {
        short[] h = new short[f.length];
        for (int i = 0; i < f.length; i++) {
            h[i] = Float.floatToFloat16(f[i]);
        }
        return h;
    }

    static float[] widen(short[] h) {
        float[] f = new float[h.length];
        for (int i = 0; i < h.length; i++) {
            f[i] = Float.float16ToFloat(h[i]);
        }
        return f;
    }

    @Test
    void gemmTransBWithHalfWeightsEqualsFloatPathOnWidenedWeights() {
        for (int[] t : new int[][] {{1, 1, 1}, {77, 40, 33}, {130, 320, 300}, {5, 1283, 7}}) {
            int m = t[0], n = t[1], k = t[2];
            float[] a = KernelTestSupport.random(m * k, m);
            short[] wh = toHalf(KernelTestSupport.random(n * k, n));
            float[] viaHalf = new float[m * n], viaFloat = new float[m * n], ref = new float[m * n];
            Gemm.gemmTransB(P, m, n, k, a, 0, k, wh, 0, k, viaHalf, 0, n, false);
            Gemm.gemmTransB(P, m, n, k, a, 0, k, widen(wh), 0, k, viaFloat, 0, n, false);
            Gemm.gemmTransBReference(P, m, n, k, a, 0, k, widen(wh), 0, k, ref, 0, n, false);
            assertArrayEquals(viaFloat, viaHalf, 0f, "m=" + m + " n=" + n + " k=" + k);
            float[] viaOffHeap = new float[m * n];
            Gemm.gemmTransB(P, m, n, k, a, 0, k, Fp16.copyOf(wh), 0, k, viaOffHeap, 0, n, false);
            assertArrayEquals(viaFloat, viaOffHeap, 0f, "off-heap m=" + m + " n=" + n + " k=" + k);
            assertTrue(KernelTestSupport.relL2(viaHalf, ref) <= 1e-5);
        }
    }

    @Test
    void convWithHalfWeightsEqualsFloatPathOnWidenedWeights() {
        int n = 1, c = 7, h = 11, w = 13, o = 5;
        float[] x = KernelTestSupport.random(n * c * h * w, 3);
        short[] wh = toHalf(KernelTestSupport.random(o * c * 9, 4));
        float[] bias = KernelTestSupport.random(o, 5);
        for (int stride : new int[] {1, 2}) {
            float[] viaHalf = Conv2d.forward(P, x, n, c, h, w, wh, o, 3, 3, bias, stride, 1);
            float[] viaFloat = Conv2d.forward(P, x, n, c, h, w, widen(wh), o, 3, 3, bias, stride, 1);
            float[] ref = Conv2d.reference(P, x, n, c, h, w, widen(wh), o, 3, 3, bias, stride, 1);
            assertArrayEquals(viaFloat, viaHalf, 0f, "stride " + stride);
            float[] viaOffHeap = Conv2d.forward(P, x, n, c, h, w, Fp16.copyOf(wh), o, 3, 3, bias, stride, 1);
            assertArrayEquals(viaFloat, viaOffHeap, 0f, "off-heap stride " + stride);
            assertTrue(KernelTestSupport.relL2(viaHalf, ref) <= 1e-5);
        }
    }

    @Test
    void offHeapCopyWidensEveryBitPatternLikeTheJdk() {
        short[] all = new short[1 << 16];
        for (int i = 0; i < all.length; i++) {
            all[i] = (short) i; // zeros, subnormals, normals, infinities and NaNs of both signs
        }
        var seg = Fp16.copyOf(all);
        assertTrue(Fp16.length(seg) == all.length);
        assertTrue(seg.address() % 64 == 0, "aligned for vector loads");
        for (int i = 0; i < all.length; i++) {
            float want = Float.float16ToFloat(all[i]);
            float got = Fp16.get(seg, i);
            assertTrue(Float.floatToRawIntBits(want) == Float.floatToRawIntBits(got) || (Float.isNaN(want) && Float.isNaN(got)),
                    "bits " + Integer.toHexString(i));
        }
    }

    @Test
    void gemmWithRowMajorHalfBEqualsFloatPathOnWidenedB() {
        for (int[] t : new int[][] {{1, 1, 1}, {77, 40, 33}, {130, 320, 300}, {5, 1283, 7}, {256, 1283, 321}}) {
            int m = t[0], n = t[1], k = t[2];
            float[] a = KernelTestSupport.random(m * k, m);
            short[] bh = toHalf(KernelTestSupport.random(k * n, n)); // [K, N]
            float[] viaHalf = new float[m * n], viaFloat = new float[m * n];
            Gemm.gemmHalfB(P, m, n, k, a, 0, k, Fp16.copyOf(bh), 0, n, viaHalf, 0, n, false);
            Gemm.gemm(P, m, n, k, a, 0, k, widen(bh), 0, n, viaFloat, 0, n, false);
            assertArrayEquals(viaFloat, viaHalf, 0f, "m=" + m + " n=" + n + " k=" + k);
        }
    }

    @Test
    void transposeOfAnFp16Matrix() {
        int rows = 67, cols = 130; // not multiples of the 64 tile
        short[] src = new short[rows * cols];
        for (int i = 0; i < src.length; i++) {
            src[i] = (short) (i * 7919);
        }
        var t = Fp16.transpose(Fp16.copyOf(src), rows, cols);
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                assertTrue(t.getAtIndex(Fp16.BITS, (long) c * rows + r) == src[r * cols + c], r + "," + c);
            }
        }
    }
}
