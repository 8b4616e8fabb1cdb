// Which of the two propagated results to trust per pixel: the error mask of the reference blender (Rerender's
// video_blend.py, following Jamriška et al. 2019 §3.3), and the min-error image it selects.
package rerender.video.blend;

import rerender.video.FloatImage;

/**
 * A is the forward synthesis (from the earlier key frame), B the backward one (from the later key frame).
 * mask[p] == true means "take B". Arrays are row-major [H*W].
 */
public final class ErrorMask {
    private ErrorMask() {
    }

    /**
     * Weight w1 of the forward result's error for in-between frame {@code j} (1..K−1) of a key interval K, as the
     * reference computes it: w1 = (j−1)/(K−1), so the first in-between frame takes A everywhere and w1 stays below 1.
     */
    public static double forwardWeight(int j, int interval) {
        if (interval < 2 || j < 1 || j >= interval) {
            throw new IllegalArgumentException("in-between frame " + j + " outside 1.." + (interval - 1)
                    + " of key interval " + interval);
        }
        return (j - 1) / (double) (interval - 1);
    }

    /**
     * mask[p] = B where w1·errA[p] ≥ w2·errB[p] (w2 = 1 − w1), else A; w1 = 0 forces A and w2 = 0 forces B (as the
     * reference). Then OR with {@code prevWarpedMask}: the previous frame's final mask already warped to this frame
     * (nearest sampling) — once a pixel switched to B it stays B. Pass null for the first in-between frame.
     */
    public static boolean[] compute(float[] errA, float[] errB, double w1, boolean[] prevWarpedMask) {
        if (errA.length != errB.length || (prevWarpedMask != null && prevWarpedMask.length != errA.length)) {
            throw new IllegalArgumentException("error maps / previous mask differ in size: " + errA.length + ", "
                    + errB.length + (prevWarpedMask == null ? "" : ", " + prevWarpedMask.length));
        }
        if (!(w1 >= 0 && w1 <= 1)) {
            throw new IllegalArgumentException("w1 must be in [0, 1], got " + w1);
        }
        double w2 = 1 - w1;
        boolean[] mask = new boolean[errA.length];
        for (int p = 0; p < mask.length; p++) {
            boolean takeB;
            if (w1 == 0) {
                takeB = false;
            } else if (w2 == 0) {
                takeB = true;
            } else {
                takeB = !(w1 * errA[p] < w2 * errB[p]); // NaN errors pick B, as the reference's comparison does
            }
            mask[p] = takeB || (prevWarpedMask != null && prevWarpedMask[p]);
        }
        return mask;
    }

    /** The min-error image: a where !mask, b where mask. */
    public static FloatImage compose(FloatImage a, FloatImage b, boolean[] mask) {
        requireSame(a, b, mask);
        FloatImage out = new FloatImage(a.width, a.height, a.channels);
        int c = a.channels;
        for (int p = 0; p < mask.length; p++) {
            System.arraycopy(mask[p] ? b.data : a.data, p * c, out.data, p * c, c);
        }
        return out;
    }

    static void requireSame(FloatImage a, FloatImage b, boolean[] mask) {
        if (!a.sameSize(b) || a.channels != b.channels || mask.length != a.width * a.height) {
            throw new IllegalArgumentException("blend inputs differ: A " + a.width + "x" + a.height + "x" + a.channels
                    + ", B " + b.width + "x" + b.height + "x" + b.channels + ", mask " + mask.length);
        }
    }
}
