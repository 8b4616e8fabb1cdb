// The blending stage for one in-between frame (SPEC §5 "Blending"): error mask, histogram-preserving blend and
// optional Poisson gradient blend of the forward and backward syntheses, with the Lab conversions shared.
package rerender.video.blend;

import rerender.video.FloatImage;
import rerender.video.color.Lab;

import java.util.concurrent.Executor;

/**
 * Use per key interval, in frame order: for in-between frame j (1..K−1) call
 * {@code blend(a, b, errA, errB, ErrorMask.forwardWeight(j, K), warpedPrevMask)}, where warpedPrevMask is the
 * previous call's {@link Result#mask} warped to frame j by the flow with nearest sampling (null for j = 1).
 * Immutable and thread-safe for one frame size.
 * <p>
 * Difference to the reference: the Poisson step takes the histogram blend in Lab as it was computed, not after a
 * round trip through an 8-bit RGB image (which rounds and clamps to the RGB gamut).
 */
public final class FrameBlender {
    /** image: RGB [H, W, 3] 0..255; mask [H*W]: true where B (the backward synthesis) was chosen. */
    public record Result(FloatImage image, boolean[] mask) {
    }

    private final int width, height;
    private final PoissonBlend poisson; // null: histogram blend only (the reference's default)

    /** @param executor runs the Poisson step's three channel solves; {@code Runnable::run} for the calling thread */
    public FrameBlender(int width, int height, boolean gradientBlend, Executor executor) {
        this.width = width;
        this.height = height;
        this.poisson = gradientBlend
                ? new PoissonBlend(new DctPoissonSolver(width, height), PoissonBlend.DEFAULT_GRAD_WEIGHTS, executor)
                : null;
    }

    /**
     * a, b: forward / backward syntheses, RGB [H, W, 3]; errA, errB: their per-pixel patch errors [H*W];
     * w1: the forward error weight ({@link ErrorMask#forwardWeight}); warpedPrevMask [H*W] or null.
     */
    public Result blend(FloatImage a, FloatImage b, float[] errA, float[] errB, double w1, boolean[] warpedPrevMask) {
        if (a.width != width || a.height != height) {
            throw new IllegalArgumentException("blender for " + width + "x" + height + " got " + a.width + "x" + a.height);
        }
        boolean[] mask = ErrorMask.compute(errA, errB, w1, warpedPrevMask);
        ErrorMask.requireSame(a, b, mask);
        FloatImage labA = Lab.fromRgb(a), labB = Lab.fromRgb(b);
        FloatImage lab = HistogramBlend.blendLab(labA, labB, mask, w1);
        if (poisson != null) {
            lab = poisson.blendLab(labA, labB, mask, lab);
        }
        return new Result(Lab.toRgb(lab), mask);
    }
}
