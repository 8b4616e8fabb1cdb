// Histogram-preserving blending of the forward and backward results in Lab (Jamriška et al. 2019 §3.3; the
// reference's blender/histogram_blend.py): mixing two textures shrinks their contrast, so the mix is re-normalised
// to the mean and standard deviation of the min-error image.
package rerender.video.blend;

import rerender.video.FloatImage;
import rerender.video.color.Lab;

public final class HistogramBlend {
    /** The common statistics A and B are normalised to before mixing (per Lab channel, 8-bit convention). */
    static final double T_MEAN = 0.5 * 256, T_STD = 256.0 / 36;
    /** Standard deviations below this count as a constant channel (the reference would divide by zero). */
    private static final double MIN_STD = 1e-6;

    private HistogramBlend() {
    }

    /**
     * a, b: RGB [H, W, 3] 0..255; mask from {@link ErrorMask#compute} (true = B); w1 = forward error weight of the
     * frame. A is mixed with weight 1 − w1 and B with 1 − w2 = w1 (A dominates near its key). -> RGB [H, W, 3].
     */
    public static FloatImage blend(FloatImage a, FloatImage b, boolean[] mask, double w1) {
        ErrorMask.requireSame(a, b, mask);
        return Lab.toRgb(blendLab(Lab.fromRgb(a), Lab.fromRgb(b), mask, w1));
    }

    /**
     * As {@link #blend} on Lab images (8-bit convention, see {@link Lab}): labA, labB [H, W, 3] -> Lab [H, W, 3],
     * not clamped (the caller converts to RGB, which clamps, or feeds it to {@link PoissonBlend#blendLab}).
     */
    public static FloatImage blendLab(FloatImage labA, FloatImage labB, boolean[] mask, double w1) {
        ErrorMask.requireSame(labA, labB, mask);
        if (labA.channels != 3) {
            throw new IllegalArgumentException("histogram blend needs 3-channel images, got " + labA.channels);
        }
        if (!(w1 >= 0 && w1 <= 1)) {
            throw new IllegalArgumentException("w1 must be in [0, 1], got " + w1);
        }
        FloatImage minError = ErrorMask.compose(labA, labB, mask); // Lab of the composed image == composition of Labs
        double wa = 1 - w1, wb = w1;                                // reference: blend(oa, ob, ·, 1 − w1, 1 − w2)
        FloatImage out = new FloatImage(labA.width, labA.height, 3);
        int n = labA.width * labA.height;
        double[] mix = new double[n];
        for (int c = 0; c < 3; c++) {
            double[] sa = stats(labA.data, c), sb = stats(labB.data, c), se = stats(minError.data, c);
            for (int p = 0; p < n; p++) {
                double na = normalise(labA.data[p * 3 + c], sa, T_MEAN, T_STD);
                double nb = normalise(labB.data[p * 3 + c], sb, T_MEAN, T_STD);
                mix[p] = (na * wa + nb * wb - T_MEAN) / 0.5 + T_MEAN;
            }
            double[] sm = stats(mix);
            for (int p = 0; p < n; p++) {
                out.data[p * 3 + c] = (float) normalise(mix[p], sm, se[0], se[1]);
            }
        }
        return out;
    }

    /** (x − mean)·targetStd/std + targetMean; a constant channel maps to targetMean. */
    private static double normalise(double x, double[] meanStd, double targetMean, double targetStd) {
        return meanStd[1] < MIN_STD ? targetMean : (x - meanStd[0]) * targetStd / meanStd[1] + targetMean;
    }

    /** {mean, population std} of channel c of an interleaved 3-channel array. */
    static double[] stats(float[] data, int c) {
        int n = data.length / 3;
        double sum = 0;
        for (int p = 0; p < n; p++) {
            sum += data[p * 3 + c];
        }
        double mean = sum / n, ss = 0;
        for (int p = 0; p < n; p++) {
            double d = data[p * 3 + c] - mean;
            ss += d * d;
        }
        return new double[]{mean, Math.sqrt(ss / n)};
    }

    private static double[] stats(double[] v) {
        double sum = 0;
        for (double x : v) {
            sum += x;
        }
        double mean = sum / v.length, ss = 0;
        for (double x : v) {
            ss += (x - mean) * (x - mean);
        }
        return new double[]{mean, Math.sqrt(ss / v.length)};
    }
}
