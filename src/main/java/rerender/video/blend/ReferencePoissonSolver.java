// Naive reference for DctPoissonSolver: conjugate gradients on the same normal equations, applied with explicit
// differences. Slow (O(HW) per iteration, O(sqrt(λ)·max(H,W)) iterations); for tests and small grids.
package rerender.video.blend;

public final class ReferencePoissonSolver {
    private ReferencePoissonSolver() {
    }

    /** Solves (I + λ·(DvᵀDv + DhᵀDh))·x = rhs to relative residual {@code tol}. */
    public static double[] solve(double[] rhs, double lambda, int width, int height, double tol) {
        int n = width * height;
        double[] x = new double[n], r = rhs.clone(), p = rhs.clone();
        double rr = dot(r, r), stop = tol * tol * rr;
        for (int it = 0; it < 10 * n + 100 && rr > stop; it++) {
            double[] ap = GridDifferences.applyNormal(p, lambda, height, width);
            double alpha = rr / dot(p, ap);
            for (int i = 0; i < n; i++) {
                x[i] += alpha * p[i];
                r[i] -= alpha * ap[i];
            }
            double rrNew = dot(r, r);
            double beta = rrNew / rr;
            rr = rrNew;
            for (int i = 0; i < n; i++) {
                p[i] = r[i] + beta * p[i];
            }
        }
        return x;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
