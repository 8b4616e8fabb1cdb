// Fast blocked GEMM against the naive triple loop, on awkward sizes, offsets, leading dimensions and both modes.
package rerender.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class GemmTest {
    static final Parallel P = new Parallel(2);

    @AfterAll
    static void close() {
        P.close();
    }

    /** (m, n, k) triples: 1, primes, non-multiples of the micro-tile and of the cache blocks, big enough to thread. */
    static final int[][] SIZES = {
        {1, 1, 1}, {1, 7, 3}, {5, 1, 9}, {3, 24, 8}, {7, 13, 17}, {31, 47, 29}, {64, 64, 64}, {97, 101, 263},
        {150, 25, 300}, {2, 500, 70}, {301, 9, 257}, {200, 130, 520}, {145, 4100, 3},
        // right-edge slivers of exactly one or two vectors (N mod 24 = 8 or 16: the narrow edge kernels), odd K
        {6, 8, 7}, {10, 32, 33}, {9, 320, 41}, {12, 40, 19}, {33, 64, 130},
        // threaded with the shared operand read in place: cut along N (shared A, 1 and 3 K-blocks), cut along M
        // (shared B over 3 K-blocks, and over two N-blocks)
        {40, 4200, 300}, {61, 1000, 700}, {50, 70, 600} /* one K-block deeper than KC */, {700, 100, 900}, {2000, 4150, 16},
    };

    @Test
    void gemmMatchesReference() {
        long seed = 1;
        for (int[] s : SIZES) {
            for (boolean acc : new boolean[] {false, true}) {
                check(s[0], s[1], s[2], acc, false, seed++);
            }
        }
    }

    @Test
    void gemmTransBMatchesReference() {
        long seed = 100;
        for (int[] s : SIZES) {
            for (boolean acc : new boolean[] {false, true}) {
                check(s[0], s[1], s[2], acc, true, seed++);
            }
        }
    }

    /** Operands embedded at non-zero offsets with padded leading dimensions; the padding must stay untouched. */
    private static void check(int m, int n, int k, boolean acc, boolean transB, long seed) {
        int lda = k + 3, ldb = (transB ? k : n) + 5, ldc = n + 2;
        int aOff = 7, bOff = 11, cOff = 13;
        float[] a = KernelTestSupport.random(aOff + m * lda, seed);
        float[] b = KernelTestSupport.random(bOff + (transB ? n : k) * ldb, seed + 1000);
        float[] c0 = KernelTestSupport.random(cOff + m * ldc, seed + 2000);
        float[] fast = c0.clone(), ref = c0.clone();
        if (transB) {
            Gemm.gemmTransB(P, m, n, k, a, aOff, lda, b, bOff, ldb, fast, cOff, ldc, acc);
            Gemm.gemmTransBReference(P, m, n, k, a, aOff, lda, b, bOff, ldb, ref, cOff, ldc, acc);
        } else {
            Gemm.gemm(P, m, n, k, a, aOff, lda, b, bOff, ldb, fast, cOff, ldc, acc);
            Gemm.gemmReference(P, m, n, k, a, aOff, lda, b, bOff, ldb, ref, cOff, ldc, acc);
        }
        String what = (transB ? "gemmTransB" : "gemm") + " m=" + m + " n=" + n + " k=" + k + " acc=" + acc;
        assertTrue(KernelTestSupport.relL2(fast, ref) <= 1e-5, what + " error " + KernelTestSupport.relL2(fast, ref));
        for (int i = 0; i < m; i++) {
            for (int j = n; j < ldc; j++) {
                int idx = cOff + i * ldc + j;
                if (idx < c0.length) {
                    assertEquals(c0[idx], fast[idx], what + ": padding written at row " + i + " col " + j);
                }
            }
        }
        for (int i = 0; i < cOff; i++) {
            assertEquals(c0[i], fast[i], what + ": prefix written");
        }
    }

    @Test
    void identityTimesMatrixIsTheMatrix() {
        int n = 37;
        float[] id = new float[n * n];
        for (int i = 0; i < n; i++) {
            id[i * n + i] = 1;
        }
        float[] b = KernelTestSupport.random(n * 29, 5);
        float[] c = new float[n * 29];
        Gemm.gemm(P, n, 29, n, id, 0, n, b, 0, 29, c, 0, 29, false);
        assertArrayEquals(b, c, 0f);
    }

    @Test
    void rejectsOperandsTooSmallForTheirShape() {
        float[] a = new float[6], b = new float[6], c = new float[4];
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Gemm.gemm(P, 2, 2, 4, a, 0, 4, b, 0, 2, c, 0, 2, false));
        assertTrue(e.getMessage().contains("A [2, 4]"), e.getMessage());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Gemm.gemmTransB(P, 2, 2, 3, a, 0, 2, b, 0, 3, c, 0, 2, false));
    }

    @Test
    void twoVectorEdgeGivesTheBitsOfTheFullWidthKernel() {
        // the 2-vector right edge goes through the edge buffer (the 1-vector one has its own micro-kernel): each
        // element must be summed exactly as by the full-width micro-kernel, so the product with B widened by zero
        // columns to a whole sliver has the same bits in the real columns. Rows 1..27, one and two K-blocks,
        // storing and accumulating.
        int edge = 2 * BlockedGemm.L, n = BlockedGemm.NR + edge, wide = 2 * BlockedGemm.NR;
        for (int m = 1; m <= 27; m++) {
            for (int k : new int[] {19, BlockedGemm.kcMax(700) + 37}) {
                for (boolean acc : new boolean[] {false, true}) {
                    float[] a = KernelTestSupport.random(m * k, m * 31L + k);
                    float[] b = KernelTestSupport.random(k * n, m * 17L + k), bWide = new float[k * wide];
                    for (int l = 0; l < k; l++) {
                        System.arraycopy(b, l * n, bWide, l * wide, n);
                    }
                    float[] c = KernelTestSupport.random(m * n, m), cWide = new float[m * wide];
                    for (int i = 0; i < m; i++) {
                        System.arraycopy(c, i * n, cWide, i * wide, n);
                    }
                    Gemm.gemm(P, m, n, k, a, 0, k, b, 0, n, c, 0, n, acc);
                    Gemm.gemm(P, m, wide, k, a, 0, k, bWide, 0, wide, cWide, 0, wide, acc);
                    for (int i = 0; i < m; i++) {
                        for (int j = 0; j < n; j++) {
                            assertEquals(cWide[i * wide + j], c[i * n + j], 0f,
                                    "m=" + m + " k=" + k + " acc=" + acc + " at " + i + "," + j);
                        }
                    }
                }
            }
        }
    }

    @Test
    void serialAndParallelAgreeExactly() {
        int m = 123, n = 301, k = 400;
        float[] a = KernelTestSupport.random(m * k, 1), b = KernelTestSupport.random(k * n, 2);
        float[] c1 = new float[m * n], c2 = new float[m * n];
        try (Parallel serial = Parallel.serial()) {
            Gemm.gemm(serial, m, n, k, a, 0, k, b, 0, n, c1, 0, n, false);
        }
        Gemm.gemm(P, m, n, k, a, 0, k, b, 0, n, c2, 0, n, false);
        assertArrayEquals(c1, c2, 0f);
    }
}
