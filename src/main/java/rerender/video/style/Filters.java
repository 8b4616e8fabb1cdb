// Small shared image kernels for the style filters: truncated separable Gaussian and Sobel gradient magnitude.
package rerender.video.style;

final class Filters {
    private Filters() {
    }

    /** Separable Gaussian of a single-channel [H*W] image, kernel truncated at ±radius, borders clamped. */
    static float[] gaussian(float[] img, int w, int h, double sigma, int radius) {
        float[] k = new float[2 * radius + 1];
        double sum = 0;
        for (int i = -radius; i <= radius; i++) {
            k[i + radius] = (float) Math.exp(-i * i / (2 * sigma * sigma));
            sum += k[i + radius];
        }
        for (int i = 0; i < k.length; i++) {
            k[i] /= (float) sum;
        }
        float[] tmp = new float[w * h], out = new float[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                float acc = 0;
                for (int i = -radius; i <= radius; i++) {
                    acc += k[i + radius] * img[y * w + Math.clamp(x + i, 0, w - 1)];
                }
                tmp[y * w + x] = acc;
            }
        }
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                float acc = 0;
                for (int i = -radius; i <= radius; i++) {
                    acc += k[i + radius] * tmp[Math.clamp(y + i, 0, h - 1) * w + x];
                }
                out[y * w + x] = acc;
            }
        }
        return out;
    }

    /** Sobel gradient magnitude of an interleaved C-channel image, root of the sum over channels; [H*W]. */
    static float[] sobelMagnitude(float[] img, int w, int h, int channels) {
        float[] out = new float[w * h];
        for (int y = 0; y < h; y++) {
            int ym = Math.max(y - 1, 0), yp = Math.min(y + 1, h - 1);
            for (int x = 0; x < w; x++) {
                int xm = Math.max(x - 1, 0), xp = Math.min(x + 1, w - 1);
                double acc = 0;
                for (int c = 0; c < channels; c++) {
                    double gx = (img[(ym * w + xp) * channels + c] + 2 * img[(y * w + xp) * channels + c]
                            + img[(yp * w + xp) * channels + c]) - (img[(ym * w + xm) * channels + c]
                            + 2 * img[(y * w + xm) * channels + c] + img[(yp * w + xm) * channels + c]);
                    double gy = (img[(yp * w + xm) * channels + c] + 2 * img[(yp * w + x) * channels + c]
                            + img[(yp * w + xp) * channels + c]) - (img[(ym * w + xm) * channels + c]
                            + 2 * img[(ym * w + x) * channels + c] + img[(ym * w + xp) * channels + c]);
                    acc += gx * gx + gy * gy;
                }
                out[y * w + x] = (float) Math.sqrt(acc);
            }
        }
        return out;
    }
}
