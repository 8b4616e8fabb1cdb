// Single-precision matrix multiply C = (accumulate ? C : 0) + A . B (or A . B^T), row-major with leading dimensions.
// The workhorse of the engine: convolutions (as implicit GEMM), linear layers and attention all end up here.
package rerender.tensor.kernels;

public final class Gemm {
    private Gemm() {
    }

    /** C[M,N] = (accumulate ? C : 0) + A[M,K] . B[K,N]; all row-major, leading dimensions in elements. */
    public static void gemm(Parallel p, int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                            float[] c, int cOff, int ldc, boolean accumulate) {
        BlockedGemm.multiply(p, m, n, k, BlockedGemm.rowMajorA(a, aOff, lda), BlockedGemm.rowMajorB(b, bOff, ldb),
                c, cOff, ldc, accumulate);
    }

    /** C[M,N] = (accumulate ? C : 0) + A[M,K] . B[N,K]^T (B in PyTorch Linear weight layout [out, in]). */
    public static void gemmTransB(Parallel p, int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff,
                                  int ldb, float[] c, int cOff, int ldc, boolean accumulate) {
        BlockedGemm.multiply(p, m, n, k, BlockedGemm.rowMajorA(a, aOff, lda), BlockedGemm.transposedB(b, bOff, ldb),
                c, cOff, ldc, accumulate);
    }

    /**
     * As {@link #gemmTransB} with B given as IEEE fp16 bits (e.g. Linear weights kept at half size): each value is
     * widened to float when packed, all arithmetic is float, so the result equals gemmTransB on the widened B.
     */
    public static void gemmTransB(Parallel p, int m, int n, int k, float[] a, int aOff, int lda, short[] bHalf,
                                  int bOff, int ldb, float[] c, int cOff, int ldc, boolean accumulate) {
        BlockedGemm.multiply(p, m, n, k, BlockedGemm.rowMajorA(a, aOff, lda),
                BlockedGemm.transposedBHalf(bHalf, bOff, ldb), c, cOff, ldc, accumulate);
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
