// Synthetic test images for the synthesis tests: smooth random colour texture, crops, colour maps and PSNR.
package rerender.video.synth;

import java.util.Random;
import rerender.video.FloatImage;

final class SynthTestImages {
    private SynthTestImages() {
    }

    /** Smooth random colour texture [h, w, 3] in 20..235: uniform noise box-blurred twice (radius 2) then stretched. */
    static FloatImage texture(int w, int h, long seed) {
        Random rnd = new Random(seed);
        FloatImage img = new FloatImage(w, h, 3);
        for (int i = 0; i < img.data.length; i++) {
            img.data[i] = rnd.nextFloat();
        }
        img = blur(blur(img, 2), 1);
        float lo = Float.MAX_VALUE, hi = -Float.MAX_VALUE;
        for (float v : img.data) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        for (int i = 0; i < img.data.length; i++) {
            img.data[i] = 20 + 215 * (img.data[i] - lo) / (hi - lo);
        }
        return img;
    }

    static FloatImage blur(FloatImage src, int r) {
        FloatImage out = new FloatImage(src.width, src.height, src.channels);
        for (int y = 0; y < src.height; y++) {
            for (int x = 0; x < src.width; x++) {
                for (int c = 0; c < src.channels; c++) {
                    float s = 0;
                    int n = 0;
                    for (int dy = -r; dy <= r; dy++) {
                        for (int dx = -r; dx <= r; dx++) {
                            int xx = x + dx, yy = y + dy;
                            if (xx >= 0 && yy >= 0 && xx < src.width && yy < src.height) {
                                s += src.get(xx, yy, c);
                                n++;
                            }
                        }
                    }
                    out.set(x, y, c, s / n);
                }
            }
        }
        return out;
    }

    /** The w x h window of img whose top-left corner is (x0, y0). */
    static FloatImage crop(FloatImage img, int x0, int y0, int w, int h) {
        FloatImage out = new FloatImage(w, h, img.channels);
        for (int y = 0; y < h; y++) {
            System.arraycopy(img.data, img.index(x0, y0 + y, 0), out.data, out.index(0, y, 0), w * img.channels);
        }
        return out;
    }

    /** A pointwise colour map standing in for a "style": channels rotated, the second inverted, the third offset. */
    static FloatImage colourMap(FloatImage img) {
        FloatImage out = new FloatImage(img.width, img.height, 3);
        for (int p = 0; p < img.width * img.height; p++) {
            float r = img.data[3 * p], g = img.data[3 * p + 1], b = img.data[3 * p + 2];
            out.data[3 * p] = g;
            out.data[3 * p + 1] = 255 - b;
            out.data[3 * p + 2] = 0.5f * r + 60;
        }
        return out;
    }

    /** PSNR in dB over the pixels at least {@code margin} away from the border. */
    static double psnr(FloatImage a, FloatImage b, int margin) {
        double se = 0;
        long n = 0;
        for (int y = margin; y < a.height - margin; y++) {
            for (int x = margin; x < a.width - margin; x++) {
                for (int c = 0; c < a.channels; c++) {
                    double d = a.get(x, y, c) - b.get(x, y, c);
                    se += d * d;
                    n++;
                }
            }
        }
        double mse = se / n;
        return mse == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(255.0 * 255.0 / mse);
    }
}
