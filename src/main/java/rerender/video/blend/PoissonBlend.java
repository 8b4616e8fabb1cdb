// Gradient-domain (Poisson) blending of the forward and backward results (Jamriška et al. 2019 §3.3; the
// reference's blender/poisson_fusion.py): per Lab channel, the image whose forward differences best match the
// min-error gradients and whose values best match the histogram blend, solved directly with the DCT.
package rerender.video.blend;

import rerender.video.FloatImage;
import rerender.video.color.Lab;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * Per channel c minimises  w_c²·(|Dv x − gv|² + |Dh x − gh|²) + |x − h|²  where h is the histogram blend's channel
 * and gv, gh the forward differences of A or B (by the mask at the first pixel of each pair) clipped to ±100.
 * w_c scales the gradient rows of the reference's least-squares matrix, so the quadratic weight is w_c²
 * (2.5² = 6.25 for L, 0.25 for a and b). The reference solves it iteratively (scipy lsqr, stopping at tolerance
 * 1e-6); we solve the normal equations directly with the DCT (float rounding, ~1e-6 relative). Immutable and
 * thread-safe for one frame size.
 */
public final class PoissonBlend {
    /** The reference's gradient weights for L, a, b. */
    public static final double[] DEFAULT_GRAD_WEIGHTS = {2.5, 0.5, 0.5};
    public static final double GRADIENT_CLIP = 100;

    private final DctPoissonSolver solver;
    private final double[] gradWeights;
    private final Executor executor;

    /** Reference weights; the three channel solves run one after another in the calling thread. */
    public PoissonBlend(int width, int height) {
        this(new DctPoissonSolver(width, height), DEFAULT_GRAD_WEIGHTS, Runnable::run);
    }

    /** @param executor runs the three independent channel solves (e.g. a pool to run them in parallel) */
    public PoissonBlend(DctPoissonSolver solver, double[] gradWeights, Executor executor) {
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
        this.executor = executor;
    }

    /**
     * a, b, histBlended: RGB [H, W, 3] 0..255; mask: true = B. -> RGB [H, W, 3]. Like the reference, the histogram
     * blend enters as an RGB image (so clamped to the RGB gamut).
     */
    public FloatImage blend(FloatImage a, FloatImage b, boolean[] mask, FloatImage histBlended) {
        checkSizes(a, b, mask, histBlended);
        return Lab.toRgb(blendLab(Lab.fromRgb(a), Lab.fromRgb(b), mask, Lab.fromRgb(histBlended)));
    }

    /** As {@link #blend} on Lab images (8-bit convention): -> Lab [H, W, 3] clamped to 0..255 like the reference. */
    public FloatImage blendLab(FloatImage labA, FloatImage labB, boolean[] mask, FloatImage labHist) {
        checkSizes(labA, labB, mask, labHist);
        FloatImage out = new FloatImage(labA.width, labA.height, 3);
        CompletableFuture<?>[] jobs = new CompletableFuture<?>[3];
        for (int c = 0; c < 3; c++) {
            final int ch = c;
            jobs[c] = CompletableFuture.runAsync(() -> {
                float[] x = solveChannel(labA, labB, labHist, mask, ch);
                for (int p = 0; p < x.length; p++) {
                    out.data[p * 3 + ch] = Math.clamp(x[p], 0f, 255f);
                }
            }, executor);
        }
        try {
            CompletableFuture.allOf(jobs).join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
        return out;
    }

    private void checkSizes(FloatImage a, FloatImage b, boolean[] mask, FloatImage hist) {
        ErrorMask.requireSame(a, b, mask);
        if (!a.sameSize(hist) || a.width != solver.width() || a.height != solver.height()
                || a.channels != 3 || hist.channels != 3) {
            throw new IllegalArgumentException("Poisson blend for " + solver.width() + "x" + solver.height()
                    + "x3 got A " + a.width + "x" + a.height + "x" + a.channels + ", histogram blend "
                    + hist.width + "x" + hist.height + "x" + hist.channels);
        }
    }

    /** One Lab channel: (I + w²·(DvᵀDv + DhᵀDh))·x = h + w²·(Dvᵀgv + Dhᵀgh). */
    float[] solveChannel(FloatImage la, FloatImage lb, FloatImage lh, boolean[] mask, int c) {
        int w = la.width, h = la.height, n = w * h;
        float[] da = la.data, db = lb.data, dh = lh.data;
        double mean = 0;
        for (int p = 0; p < n; p++) {
            mean += dh[p * 3 + c];
        }
        mean /= n; // the constant vector is in the Laplacian's null space: solve for the centred data, add back
        double lambda = gradWeights[c] * gradWeights[c];
        // one sweep: the clipped differences gv (down) and gh (right) of the source chosen by the mask at the pair's
        // first pixel, and their adjoint (Dvᵀgv + Dhᵀgh)[p] = gv[p] − gv[p−w] + gh[p] − gh[p−1]
        float[] rhs = new float[n];
        double[] gvAbove = new double[w];
        for (int i = 0; i < h; i++) {
            double ghLeft = 0;
            for (int j = 0; j < w; j++) {
                int p = i * w + j;
                float[] src = mask[p] ? db : da;
                float v = src[p * 3 + c];
                double gv = i < h - 1 ? Math.clamp(v - src[(p + w) * 3 + c], -GRADIENT_CLIP, GRADIENT_CLIP) : 0;
                double gh = j < w - 1 ? Math.clamp(v - src[(p + 1) * 3 + c], -GRADIENT_CLIP, GRADIENT_CLIP) : 0;
                rhs[p] = (float) ((dh[p * 3 + c] - mean) + lambda * (gv - gvAbove[j] + gh - ghLeft));
                gvAbove[j] = gv;
                ghLeft = gh;
            }
        }
        float[] x = solver.solve(rhs, lambda);
        for (int p = 0; p < n; p++) {
            x[p] += (float) mean;
        }
        return x;
    }
}
