// Direct (non-iterative) solver of the screened Poisson system (I + λ·(DvᵀDv + DhᵀDh))·x = rhs on an H×W grid with Neumann
// boundaries: the 2-D DCT-II diagonalises the operator, so x = IDCT(DCT(rhs) / (1 + λ·(μ_k + ν_l))).
package rerender.video.blend;

/**
 * DvᵀDv along a column of length N is the path-graph Laplacian tridiag(−1, 2, −1) with 1 in both corners; its
 * eigenvectors are the DCT-II basis cos(πk(2n+1)/2N) with eigenvalues 2 − 2cos(πk/N). Cost: four batched 1-D
 * transforms and two transposes, O(HW·log(HW)). Immutable and thread-safe; build one per frame size.
 */
public final class DctPoissonSolver {
    private final int width, height;
    private final Dct dctH, dctW;
    private final double[] eigH, eigW; // Laplacian eigenvalues along y (k < H) and along x (l < W)

    public DctPoissonSolver(int width, int height) {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("bad grid " + width + "x" + height);
        }
        this.width = width;
        this.height = height;
        dctH = new Dct(height);
        dctW = width == height ? dctH : new Dct(width);
        eigH = eigenvalues(height);
        eigW = eigenvalues(width);
    }

    private static double[] eigenvalues(int n) {
        double[] e = new double[n];
        for (int k = 0; k < n; k++) {
            e[k] = 2 - 2 * Math.cos(Math.PI * k / n);
        }
        return e;
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    /** rhs [H*W] row-major, λ ≥ 0 -> x [H*W]. Float arithmetic: relative error ~1e-6 of ‖rhs‖. */
    public float[] solve(float[] rhs, double lambda) {
        if (rhs.length != width * height) {
            throw new IllegalArgumentException("rhs has " + rhs.length + " values, grid " + width + "x" + height
                    + " needs " + width * height);
        }
        if (!(lambda >= 0) || Double.isInfinite(lambda)) {
            throw new IllegalArgumentException("lambda must be finite and >= 0, got " + lambda);
        }
        int h = height, w = width;
        float[] a = new float[h * w], b = new float[h * w];
        dctH.forward(rhs, a, w);                 // [H, W]: transform along y
        transpose(a, b, h, w);                   // [H, W] -> [W, H]
        dctW.forward(b, a, h);                   // [W, H]: transform along x; a[l, k]
        for (int l = 0; l < w; l++) {
            double el = eigW[l];
            for (int k = 0, p = l * h; k < h; k++, p++) {
                a[p] /= (float) (1 + lambda * (el + eigH[k]));
            }
        }
        dctW.inverse(a, b, h);                   // [W, H]
        transpose(b, a, w, h);                   // [W, H] -> [H, W]
        dctH.inverse(a, b, w);
        return b;
    }

    /** in [rows, cols] -> out [cols, rows], in cache-sized tiles. */
    static void transpose(float[] in, float[] out, int rows, int cols) {
        final int tile = 8;
        for (int r0 = 0; r0 < rows; r0 += tile) {
            int r1 = Math.min(rows, r0 + tile);
            for (int c0 = 0; c0 < cols; c0 += tile) {
                int c1 = Math.min(cols, c0 + tile);
                for (int r = r0; r < r1; r++) {
                    for (int c = c0; c < c1; c++) {
                        out[c * rows + r] = in[r * cols + c];
                    }
                }
            }
        }
    }
}
