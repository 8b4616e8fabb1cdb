// Single-precision matrix multiply C = (accumulate ? C : 0) + A . B (or A . B^T), row-major with leading dimensions.
// The workhorse of the engine: convolutions (as implicit GEMM), linear layers and attention all end up here.
package rerender.tensor.kernels;

import java.lang.foreign.MemorySegment;

public final class Gemm {
    private Gemm() {
    }

    /**
     * C[M,N] = (accumulate ? C : 0) + A[M,K] . B[K,N]; all row-major, leading dimensions in elements; C must not
     * overlap A or B. Elements of C outside the M x N window (padding of ldc) are left untouched.
     */
    public static void gemm(Parallel p, int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                            float[] c, int cOff, int ldc, boolean accumulate) {
        check(m, n, k, a.length, aOff, lda, b.length, bOff, ldb, false, c.length, cOff, ldc);
        BlockedGemm.multiply(p, m, n, k, BlockedGemm.rowMajorA(a, aOff, lda), BlockedGemm.rowMajorB(b, bOff, ldb),
                c, cOff, ldc, accumulate);
    }

    /** C[M,N] = (accumulate ? C : 0) + A[M,K] . B[N,K]^T (B in PyTorch Linear weight layout [out, in]). */
    public static void gemmTransB(Parallel p, int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff,
                                  int ldb, float[] c, int cOff, int ldc, boolean accumulate) {
        gemmTransB(p, m, n, k, a, aOff, lda, b, bOff, ldb, null, c, cOff, ldc, accumulate);
    }

    /** As above, plus bias [n] (or null) added to every row of C (by the product, as {@link #gemmLinear} does). */
    public static void gemmTransB(Parallel p, int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff,
                                  int ldb, float[] bias, float[] c, int cOff, int ldc, boolean accumulate) {
        check(m, n, k, a.length, aOff, lda, b.length, bOff, ldb, true, c.length, cOff, ldc);
        checkBias(bias, n);
        BlockedGemm.multiply(p, m, n, k, BlockedGemm.rowMajorA(a, aOff, lda), BlockedGemm.transposedB(b, bOff, ldb),
                c, cOff, ldc, accumulate, BlockedGemm.Bias.perColumn(bias));
    }

    private static void checkBias(float[] bias, int n) {
        if (bias != null && bias.length != n) {
            throw new IllegalArgumentException("bias has " + bias.length + " floats, expected " + n);
        }
    }

    /**
     * As {@link #gemmTransB} with B given as IEEE fp16 bits (e.g. Linear weights kept at half size): each value is
     * widened to float when packed, all arithmetic is float, so the result equals gemmTransB on the widened B.
     */
    public static void gemmTransB(Parallel p, int m, int n, int k, float[] a, int aOff, int lda, short[] bHalf,
                                  int bOff, int ldb, float[] c, int cOff, int ldc, boolean accumulate) {
        gemmTransB(p, m, n, k, a, aOff, lda, Fp16.view(bHalf), bOff, ldb, c, cOff, ldc, accumulate);
    }

    /** As above with the fp16 bits in a segment (off-heap weights, see {@link Fp16}). */
    public static void gemmTransB(Parallel p, int m, int n, int k, float[] a, int aOff, int lda, MemorySegment bHalf,
                                  int bOff, int ldb, float[] c, int cOff, int ldc, boolean accumulate) {
        check(m, n, k, a.length, aOff, lda, Fp16.length(bHalf), bOff, ldb, true, c.length, cOff, ldc);
        BlockedGemm.multiply(p, m, n, k, BlockedGemm.rowMajorA(a, aOff, lda),
                BlockedGemm.transposedBHalf(bHalf, bOff, ldb), c, cOff, ldc, accumulate);
    }

    /**
     * C[M,N] = (accumulate ? C : 0) + A[M,K] . B[K,N] with B row-major as fp16 bits in a segment (e.g. a Linear
     * weight stored transposed, [in, out]); widened exactly while packing, so the result equals {@link #gemm} on
     * the widened B.
     */
    public static void gemmHalfB(Parallel p, int m, int n, int k, float[] a, int aOff, int lda, MemorySegment bHalf,
                                 int bOff, int ldb, float[] c, int cOff, int ldc, boolean accumulate) {
        check(m, n, k, a.length, aOff, lda, Fp16.length(bHalf), bOff, ldb, false, c.length, cOff, ldc);
        BlockedGemm.multiply(p, m, n, k, BlockedGemm.rowMajorA(a, aOff, lda),
                BlockedGemm.rowMajorBHalf(bHalf, bOff, ldb), c, cOff, ldc, accumulate);
    }

    /** C[m, out] (+)= A[m, in] . W^T with W's fp16 weight in the packed layout of {@link LinearWeights}. */
    public static void gemmLinear(Parallel p, int m, float[] a, int aOff, int lda, LinearWeights w, float[] c, int cOff,
                                  int ldc, boolean accumulate) {
        gemmLinear(p, m, a, aOff, lda, w, null, c, cOff, ldc, accumulate);
    }

    /** As above, plus bias [out] (or null) added to every row of C. */
    public static void gemmLinear(Parallel p, int m, float[] a, int aOff, int lda, LinearWeights w, float[] bias,
                                  float[] c, int cOff, int ldc, boolean accumulate) {
        int n = w.out(), k = w.in();
        check(m, n, k, a.length, aOff, lda, (long) n * k, 0, n, false, c.length, cOff, ldc);
        checkBias(bias, n);
        BlockedGemm.multiply(p, m, n, k, BlockedGemm.rowMajorA(a, aOff, lda), w.packer(), c, cOff, ldc, accumulate,
                BlockedGemm.Bias.perColumn(bias));
    }

    /** Validates sizes, leading dimensions and that every addressed element lies inside its array. */
    private static void check(int m, int n, int k, int aLen, int aOff, int lda, long bLen, int bOff, int ldb,
                              boolean transB, int cLen, int cOff, int ldc) {
        int bRows = transB ? n : k;
        int bCols = transB ? k : n;
        if (m < 0 || n < 0 || k < 0 || lda < k || ldb < bCols || ldc < n || aOff < 0 || bOff < 0 || cOff < 0) {
            throw new IllegalArgumentException("bad gemm arguments m=" + m + " n=" + n + " k=" + k + " lda=" + lda
                    + " ldb=" + ldb + " ldc=" + ldc + " offsets " + aOff + "/" + bOff + "/" + cOff
                    + (transB ? " (B transposed)" : ""));
        }
        checkSpan("A", aLen, aOff, m, k, lda);
        checkSpan("B", bLen, bOff, bRows, bCols, ldb);
        checkSpan("C", cLen, cOff, m, n, ldc);
    }

    private static void checkSpan(String name, long len, int off, int rows, int cols, int ld) {
        if (rows > 0 && cols > 0 && off + (long) (rows - 1) * ld + cols > len) {
            throw new IllegalArgumentException(name + " [" + rows + ", " + cols + "] at offset " + off
                    + " with leading dimension " + ld + " needs " + (off + (long) (rows - 1) * ld + cols)
                    + " elements, array has " + len);
        }
    }

    /** Naive triple loop (double accumulation), the yardstick for {@link #gemm}. */
    public static void gemmReference(Parallel p, int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff,
                                     int ldb, float[] c, int cOff, int ldc, boolean accumulate) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = accumulate ? c[cOff + i * ldc + j] : 0;
                for (int l = 0; l < k; l++) {
                    s += (double) a[aOff + i * lda + l] * b[bOff + l * ldb + j];
                }
                c[cOff + i * ldc + j] = (float) s;
            }
        }
    }

    /** Naive triple loop (double accumulation), the yardstick for {@link #gemmTransB}. */
    public static void gemmTransBReference(Parallel p, int m, int n, int k, float[] a, int aOff, int lda, float[] b,
                                           int bOff, int ldb, float[] c, int cOff, int ldc, boolean accumulate) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = accumulate ? c[cOff + i * ldc + j] : 0;
                for (int l = 0; l < k; l++) {
                    s += (double) a[aOff + i * lda + l] * b[bOff + j * ldb + l];
                }
                c[cOff + i * ldc + j] = (float) s;
            }
        }
    }
}
