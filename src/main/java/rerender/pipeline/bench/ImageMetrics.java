// Image quality figures of the propagation benchmark: PSNR, SSIM (Wang et al. 2004) and the flow-compensated
// temporal error mean|O(t+1) − warp(O(t))| over non-occluded pixels.
package rerender.pipeline.bench;

import rerender.video.FloatImage;
import rerender.video.flow.Warp;
import rerender.pipeline.FrameFlows;

public final class ImageMetrics {
    /** SSIM constants for 8-bit data: (0.01·255)², (0.03·255)²; Gaussian window σ = 1.5, 11x11. */
    static final double C1 = Math.pow(0.01 * 255, 2), C2 = Math.pow(0.03 * 255, 2);
    static final double SIGMA = 1.5;
    static final int RADIUS = 5;

    private ImageMetrics() {
    }

    /** PSNR in dB over all channels, peak 255; identical images give +∞. */
    public static double psnr(FloatImage a, FloatImage b) {
        requireSame(a, b);
        double se = 0;
        for (int i = 0; i < a.data.length; i++) {
            double d = a.data[i] - b.data[i];
            se += d * d;
        }
        double mse = se / a.data.length;
        return mse == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(255.0 * 255.0 / mse);
    }

    /**
     * Mean SSIM, averaged over channels and pixels: local statistics with an 11x11 Gaussian window (σ 1.5),
     * computed where the window fits inside the image (scikit-image / Wang et al. "valid" convention).
     */
    public static double ssim(FloatImage a, FloatImage b) {
        requireSame(a, b);
        int w = a.width, h = a.height, c = a.channels;
        if (w < 2 * RADIUS + 1 || h < 2 * RADIUS + 1) {
            throw new IllegalArgumentException("SSIM needs at least 11x11 pixels, got " + w + "x" + h);
        }
        double[] g = gaussian();
        double total = 0;
        long count = 0;
        double[] xa = new double[w * h], xb = new double[w * h];
        for (int ch = 0; ch < c; ch++) {
            for (int p = 0; p < w * h; p++) {
                xa[p] = a.data[p * c + ch];
                xb[p] = b.data[p * c + ch];
            }
            double[] ma = blur(xa, w, h, g), mb = blur(xb, w, h, g);
            double[] aa = new double[w * h], bb = new double[w * h], ab = new double[w * h];
            for (int p = 0; p < w * h; p++) {
                aa[p] = xa[p] * xa[p];
                bb[p] = xb[p] * xb[p];
                ab[p] = xa[p] * xb[p];
            }
            double[] saa = blur(aa, w, h, g), sbb = blur(bb, w, h, g), sab = blur(ab, w, h, g);
            for (int y = RADIUS; y < h - RADIUS; y++) {
                for (int x = RADIUS; x < w - RADIUS; x++) {
                    int p = y * w + x;
                    double va = saa[p] - ma[p] * ma[p], vb = sbb[p] - mb[p] * mb[p], cov = sab[p] - ma[p] * mb[p];
                    total += (2 * ma[p] * mb[p] + C1) * (2 * cov + C2)
                            / ((ma[p] * ma[p] + mb[p] * mb[p] + C1) * (va + vb + C2));
                    count++;
                }
            }
        }
        return total / count;
    }

    /**
     * Temporal error between frames t and t+1 of a sequence: mean over pixels of t+1 not occluded w.r.t. t and over
     * channels of |O(t+1) − bilinear warp of O(t) onto t+1|. The flow is that of the input video.
     */
    public static double temporalError(FloatImage current, FloatImage next, FrameFlows.Step step) {
        FloatImage warped = Warp.bilinear(current, step.flow());
        int c = current.channels;
        double sum = 0;
        long n = 0;
        for (int p = 0; p < next.width * next.height; p++) {
            if (step.occluded().data[p] > 0.5f) {
                continue;
            }
            for (int k = 0; k < c; k++) {
                sum += Math.abs(next.data[p * c + k] - warped.data[p * c + k]);
            }
            n += c;
        }
        return n == 0 ? 0 : sum / n;
    }

    private static double[] gaussian() {
        double[] g = new double[2 * RADIUS + 1];
        double s = 0;
        for (int i = -RADIUS; i <= RADIUS; i++) {
            g[i + RADIUS] = Math.exp(-i * i / (2 * SIGMA * SIGMA));
            s += g[i + RADIUS];
        }
        for (int i = 0; i < g.length; i++) {
            g[i] /= s;
        }
        return g;
    }

    /** Separable Gaussian; only values whose window lies inside the image are used by the caller. */
    private static double[] blur(double[] x, int w, int h, double[] g) {
        double[] tmp = new double[w * h], out = new double[w * h];
        for (int y = 0; y < h; y++) {
            for (int i = RADIUS; i < w - RADIUS; i++) {
                double s = 0;
                for (int k = -RADIUS; k <= RADIUS; k++) {
                    s += g[k + RADIUS] * x[y * w + i + k];
                }
                tmp[y * w + i] = s;
            }
        }
        for (int y = RADIUS; y < h - RADIUS; y++) {
            for (int i = RADIUS; i < w - RADIUS; i++) {
                double s = 0;
                for (int k = -RADIUS; k <= RADIUS; k++) {
                    s += g[k + RADIUS] * tmp[(y + k) * w + i];
                }
                out[y * w + i] = s;
            }
        }
        return out;
    }

    private static void requireSame(FloatImage a, FloatImage b) {
        if (!a.sameSize(b) || a.channels != b.channels) {
            throw new IllegalArgumentException("images differ in size: " + a.width + "x" + a.height + "x" + a.channels
                    + " vs " + b.width + "x" + b.height + "x" + b.channels);
        }
    }
}
