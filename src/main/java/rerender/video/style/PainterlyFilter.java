// Painterly / watercolour stylisation in the spirit of OpenCV's stylization(sigma_s = 60, sigma_r = 0.45): edge-
// preserving smoothing by the domain-transform recursive filter (Gastal & Oliveira 2011, "Domain Transform for
// Edge-Aware Image and Video Processing", §5 RF), then darkening by the smoothed image's gradient magnitude.
package rerender.video.style;

import rerender.video.FloatImage;

/**
 * Unlike OpenCV, the edge magnitude is scaled by a fixed constant rather than by the frame's own maximum, so the
 * look does not flicker with frame content. The recursive filter has unbounded (exponentially decaying) support:
 * the filter is not strictly local.
 */
public final class PainterlyFilter implements StyleFilter {
    public static final String NAME = "painterly";

    /**
     * @param sigmaS       spatial extent of the smoothing, pixels (OpenCV's sigma_s)
     * @param sigmaR       range extent, colour units of 0..1 (OpenCV's sigma_r)
     * @param iterations   domain-transform iterations (≥ 1; the paper uses 3)
     * @param edgeScale    Sobel magnitude (0..1 colour units, summed over RGB) that counts as a full-strength edge
     * @param edgeDarkness 0..1, darkening at full-strength edges
     */
    public record Params(double sigmaS, double sigmaR, int iterations, double edgeScale, double edgeDarkness) {
        public Params {
            if (!(sigmaS > 0) || !(sigmaR > 0) || iterations < 1 || !(edgeScale > 0)
                    || !(edgeDarkness >= 0 && edgeDarkness <= 1)) {
                throw new IllegalArgumentException("bad painterly parameters " + this);
            }
        }

        public static Params defaults() {
            return new Params(60, 0.45, 3, 1.2, 0.9);
        }
    }

    private final Params p;

    public PainterlyFilter() {
        this(Params.defaults());
    }

    public PainterlyFilter(Params params) {
        this.p = params;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public FloatImage apply(FloatImage rgb) {
        StyleFilter.requireRgb(rgb, NAME);
        int w = rgb.width, h = rgb.height, n = w * h;
        float[] img = new float[n * 3];
        for (int i = 0; i < img.length; i++) {
            img[i] = rgb.data[i] / 255f;
        }
        float[] smooth = DomainTransform.recursiveFilter(img, w, h, p.sigmaS(), p.sigmaR(), p.iterations());
        float[] mag = Filters.sobelMagnitude(smooth, w, h, 3);
        FloatImage out = new FloatImage(w, h, 3);
        for (int q = 0; q < n; q++) {
            double edge = Math.min(1, mag[q] / p.edgeScale());
            double keep = 1 - p.edgeDarkness() * edge;
            for (int c = 0; c < 3; c++) {
                out.data[q * 3 + c] = (float) Math.clamp(255 * smooth[q * 3 + c] * keep, 0, 255);
            }
        }
        return out;
    }
}
