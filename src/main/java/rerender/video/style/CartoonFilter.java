// Cartoon stylisation in the manner of Winnemöller, Olsen & Gooch 2006 "Real-time video abstraction": iterated
// bilateral smoothing in Lab, soft luminance quantisation, and dark lines from a thresholded difference of
// Gaussians. Every step has finite support, so the filter is local (radius FilterSupport below).
package rerender.video.style;

import rerender.video.FloatImage;
import rerender.video.color.Lab;

public final class CartoonFilter implements StyleFilter {
    public static final String NAME = "cartoon";

    /**
     * @param passes         bilateral iterations (≥ 0)
     * @param radius         bilateral window radius in pixels; spatial sigma = radius / 1.5
     * @param sigmaRange     bilateral range sigma, Lab units of the 0..255 convention
     * @param levels         luminance quantisation bins over 0..255 (≥ 2)
     * @param sharpness      soft-quantisation steepness φ_q (larger -> harder steps)
     * @param edgeSigma      inner DoG sigma in pixels (outer = 1.6 × inner)
     * @param edgeThreshold  DoG response (L units) below which a pixel is drawn as a line
     * @param edgeDarkness   0..1, how dark lines are (1 = black)
     */
    public record Params(int passes, int radius, double sigmaRange, int levels, double sharpness, double edgeSigma,
                         double edgeThreshold, double edgeDarkness) {
        public Params {
            if (passes < 0 || radius < 1 || !(sigmaRange > 0) || levels < 2 || !(sharpness > 0) || !(edgeSigma > 0)
                    || !(edgeDarkness >= 0 && edgeDarkness <= 1)) {
                throw new IllegalArgumentException("bad cartoon parameters " + this);
            }
        }

        public static Params defaults() {
            return new Params(3, 2, 18, 8, 0.25, 1.0, -1.5, 0.85);
        }

        /** Pixels of context a filtered pixel depends on in each direction. */
        public int support() {
            return passes * radius + dogRadius(1.6 * edgeSigma);
        }
    }

    private final Params p;

    public CartoonFilter() {
        this(Params.defaults());
    }

    public CartoonFilter(Params params) {
        this.p = params;
    }

    @Override
    public String name() {
        return NAME;
    }

    public Params params() {
        return p;
    }

    @Override
    public FloatImage apply(FloatImage rgb) {
        StyleFilter.requireRgb(rgb, NAME);
        FloatImage lab = Lab.fromRgb(rgb);
        for (int i = 0; i < p.passes(); i++) {
            lab = bilateral(lab, p.radius(), p.radius() / 1.5, p.sigmaRange());
        }
        int w = lab.width, h = lab.height, n = w * h;
        float[] l = new float[n];
        for (int q = 0; q < n; q++) {
            l[q] = lab.data[q * 3];
        }
        float[] g1 = Filters.gaussian(l, w, h, p.edgeSigma(), dogRadius(p.edgeSigma()));
        float[] g2 = Filters.gaussian(l, w, h, 1.6 * p.edgeSigma(), dogRadius(1.6 * p.edgeSigma()));
        double step = 255.0 / (p.levels() - 1);
        FloatImage out = new FloatImage(w, h, 3);
        for (int q = 0; q < n; q++) {
            // soft quantisation: the nearest level plus a tanh ramp towards the value, so steps are not hard edges
            double lv = l[q], nearest = Math.round(lv / step) * step;
            double quant = nearest + step / 2 * Math.tanh(p.sharpness() * (lv - nearest));
            double dog = g1[q] - g2[q];
            // line weight: 0 where dog >= threshold, rising smoothly to 1 below it
            double line = dog >= p.edgeThreshold() ? 0 : -Math.tanh(0.5 * (dog - p.edgeThreshold()));
            out.data[q * 3] = (float) (quant * (1 - p.edgeDarkness() * line));
            out.data[q * 3 + 1] = lab.data[q * 3 + 1];
            out.data[q * 3 + 2] = lab.data[q * 3 + 2];
        }
        return Lab.toRgb(out);
    }

    private static int dogRadius(double sigma) {
        return (int) Math.ceil(3 * sigma);
    }

    /** Range-weight table resolution: exp(−d²/2σr²) sampled on d² ∈ [0, RANGE_CUTOFF·2σr²], linear in between. */
    private static final int RANGE_TABLE = 4096;
    /** Range weights below exp(−RANGE_CUTOFF) ≈ 6e-6 are taken as 0. */
    private static final double RANGE_CUTOFF = 12;

    /** One bilateral pass over a 3-channel image, window (2r+1)², borders clamped. */
    static FloatImage bilateral(FloatImage img, int r, double sigmaSpace, double sigmaRange) {
        int w = img.width, h = img.height, k = 2 * r + 1;
        float[] spatial = new float[k * k];
        for (int dy = -r; dy <= r; dy++) {
            for (int dx = -r; dx <= r; dx++) {
                spatial[(dy + r) * k + dx + r] = (float) Math.exp(-(dx * dx + dy * dy) / (2 * sigmaSpace * sigmaSpace));
            }
        }
        // range weight as a function of the squared Lab distance, tabulated (exp per tap dominated the cost)
        float[] range = new float[RANGE_TABLE + 2];
        for (int i = 0; i <= RANGE_TABLE; i++) {
            range[i] = (float) Math.exp(-RANGE_CUTOFF * i / RANGE_TABLE);
        }
        float toIndex = (float) (RANGE_TABLE / (RANGE_CUTOFF * 2 * sigmaRange * sigmaRange));
        float[] s = img.data;
        FloatImage out = new FloatImage(w, h, 3);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int c = (y * w + x) * 3;
                float l0 = s[c], a0 = s[c + 1], b0 = s[c + 2];
                float sw = 0, sl = 0, sa = 0, sb = 0;
                for (int dy = -r; dy <= r; dy++) {
                    int yy = Math.clamp(y + dy, 0, h - 1);
                    for (int dx = -r; dx <= r; dx++) {
                        int xx = Math.clamp(x + dx, 0, w - 1);
                        int o = (yy * w + xx) * 3;
                        float dl = s[o] - l0, da = s[o + 1] - a0, db = s[o + 2] - b0;
                        float u = (dl * dl + da * da + db * db) * toIndex;
                        if (u >= RANGE_TABLE) {
                            continue;
                        }
                        int i = (int) u;
                        float rw = range[i] + (u - i) * (range[i + 1] - range[i]);
                        float wt = spatial[(dy + r) * k + dx + r] * rw;
                        sw += wt;
                        sl += wt * s[o];
                        sa += wt * s[o + 1];
                        sb += wt * s[o + 2];
                    }
                }
                out.data[c] = sl / sw;           // the centre tap has weight 1, so sw >= 1
                out.data[c + 1] = sa / sw;
                out.data[c + 2] = sb / sw;
            }
        }
        return out;
    }
}
