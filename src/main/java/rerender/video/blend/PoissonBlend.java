// Gradient-domain (Poisson) blending of the forward and backward results (Jamriška et al. 2019 §3.3; the
// reference's blender/poisson_fusion.py): per Lab channel, the image whose forward differences best match the
// min-error gradients and whose values best match the histogram blend, solved exactly with the DCT.
package rerender.video.blend;

import rerender.video.FloatImage;
import rerender.video.color.Lab;

/**
 * Per channel c minimises  w_c²·(|Dv x − gv|² + |Dh x − gh|²) + |x − h|²  where h is the histogram blend's channel
 * and gv, gh the forward differences of A or B (by the mask at the first pixel of each pair) clipped to ±100.
 * w_c scales the gradient rows of the reference's least-squares matrix, so the quadratic weight is w_c²
 * (2.5² = 6.25 for L, 0.25 for a and b). The reference solves it iteratively (scipy lsqr); we solve the normal
 * equations exactly. Immutable and thread-safe for one frame size.
 */
public final class PoissonBlend {
    /** The reference's gradient weights for L, a, b. */
    public static final double[] DEFAULT_GRAD_WEIGHTS = {2.5, 0.5, 0.5};
    public static final double GRADIENT_CLIP = 100;

    private final DctPoissonSolver solver;
    private final double[] gradWeights;

    public PoissonBlend(int width, int height) {
        this(new DctPoissonSolver(width, height), DEFAULT_GRAD_WEIGHTS);
    }

    public PoissonBlend(DctPoissonSolver solver, double[] gradWeights) {
        if (gradWeights.length != 3) {
            throw new IllegalArgumentException("need 3 gradient weights (L, a, b), got " + gradWeights.length);
        }
        for (double w : gradWeights) {
            if (!(w >= 0) || Double.isInfinite(w)) {
                throw new IllegalArgumentException("gradient weight must be finite and >= 0, got " + w);
            }
        }
        this.solver = solver;
        this.gradWeights = gradWeights.clone();
    }

    /** a, b, histBlended: RGB [H, W, 3] 0..255; mask: true = B. -> RGB [H, W, 3]. */
    public FloatImage blend(FloatImage a, FloatImage b, boolean[] mask, FloatImage histBlended) {
        ErrorMask.requireSame(a, b, mask);
        if (!a.sameSize(histBlended) || a.width != solver.width() || a.height != solver.height()
                || a.channels != 3 || histBlended.channels != 3) {
            throw new IllegalArgumentException("Poisson blend for " + solver.width() + "x" + solver.height()
                    + " RGB got A " + a.width + "x" + a.height + "x" + a.channels + ", histogram blend "
                    + histBlended.width + "x" + histBlended.height + "x" + histBlended.channels);
        }
        FloatImage la = Lab.fromRgb(a), lb = Lab.fromRgb(b), lh = Lab.fromRgb(histBlended);
        FloatImage out = new FloatImage(a.width, a.height, 3);
        for (int c = 0; c < 3; c++) {
            double[] x = solveChannel(la, lb, lh, mask, c);
            for (int p = 0; p < x.length; p++) {
                out.data[p * 3 + c] = (float) Math.clamp(x[p], 0.0, 255.0);
            }
        }
        return Lab.toRgb(out);
    }

    /** One Lab channel: (I + w²·(DvᵀDv + DhᵀDh))·x = h + w²·(Dvᵀgv + Dhᵀgh). */
    double[] solveChannel(FloatImage la, FloatImage lb, FloatImage lh, boolean[] mask, int c) {
        int w = la.width, h = la.height, n = w * h;
        float[] da = la.data, db = lb.data;
        double[] gv = new double[n], gh = new double[n];
        for (int i = 0; i < h; i++) {
            for (int j = 0; j < w; j++) {
                int p = i * w + j;
                float[] src = mask[p] ? db : da;
                float v = src[p * 3 + c];
                if (i < h - 1) {
                    gv[p] = Math.clamp(v - src[(p + w) * 3 + c], -GRADIENT_CLIP, GRADIENT_CLIP);
                }
                if (j < w - 1) {
                    gh[p] = Math.clamp(v - src[(p + 1) * 3 + c], -GRADIENT_CLIP, GRADIENT_CLIP);
                }
            }
        }
        double lambda = gradWeights[c] * gradWeights[c];
        double[] rhs = GridDifferences.adjoint(gv, gh, h, w);
        double mean = 0;
        for (int p = 0; p < n; p++) {
            mean += lh.data[p * 3 + c];
        }
        mean /= n; // the constant vector is in the Laplacian's null space: solve for the centred data, add back
        for (int p = 0; p < n; p++) {
            rhs[p] = lambda * rhs[p] + (lh.data[p * 3 + c] - mean);
        }
        double[] x = solver.solve(rhs, lambda);
        for (int p = 0; p < n; p++) {
            x[p] += mean;
        }
        return x;
    }
}
