// Forward differences on an H×W grid without wrap-around (the reference's sparse Gx/Gy) and their adjoints:
// the operators of the gradient-domain least-squares problem that PoissonBlend solves.
package rerender.video.blend;

/**
 * Dv x [i,j] = x[i,j] − x[i+1,j] for i < H−1, 0 on the last row (reference "gx", rows = y);
 * Dh x [i,j] = x[i,j] − x[i,j+1] for j < W−1, 0 on the last column (reference "gy").
 * Arrays are row-major [H*W] doubles.
 */
final class GridDifferences {
    private GridDifferences() {
    }

    /** Dvᵀ gv + Dhᵀ gh (a negative divergence); the last row of gv and last column of gh are ignored. */
    static double[] adjoint(double[] gv, double[] gh, int h, int w) {
        double[] out = new double[h * w];
        for (int i = 0; i < h; i++) {
            for (int j = 0; j < w; j++) {
                int p = i * w + j;
                double acc = 0;
                if (i < h - 1) {
                    acc += gv[p];
                }
                if (i > 0) {
                    acc -= gv[p - w];
                }
                if (j < w - 1) {
                    acc += gh[p];
                }
                if (j > 0) {
                    acc -= gh[p - 1];
                }
                out[p] = acc;
            }
        }
        return out;
    }

    /** (I + λ·(DvᵀDv + DhᵀDh))·x, the normal-equation operator, applied directly. */
    static double[] applyNormal(double[] x, double lambda, int h, int w) {
        double[] gv = new double[h * w], gh = new double[h * w];
        for (int i = 0; i < h; i++) {
            for (int j = 0; j < w; j++) {
                int p = i * w + j;
                gv[p] = i < h - 1 ? x[p] - x[p + w] : 0;
                gh[p] = j < w - 1 ? x[p] - x[p + 1] : 0;
            }
        }
        double[] lap = adjoint(gv, gh, h, w);
        double[] out = new double[h * w];
        for (int p = 0; p < out.length; p++) {
            out[p] = x[p] + lambda * lap[p];
        }
        return out;
    }
}
