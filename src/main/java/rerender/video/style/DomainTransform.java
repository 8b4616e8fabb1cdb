// The domain-transform recursive edge-preserving filter (Gastal & Oliveira 2011, §4-5): 1-D first-order recursive
// filters along rows and columns whose feedback a^d shrinks where the image changes (d = 1 + σs/σr·Σ|I'|).
package rerender.video.style;

final class DomainTransform {
    private DomainTransform() {
    }

    /** img: interleaved RGB [H*W*3] in 0..1 -> filtered copy. */
    static float[] recursiveFilter(float[] img, int w, int h, double sigmaS, double sigmaR, int iterations) {
        int n = w * h;
        // domain-transform derivatives of the input: dH between (x, x+1), dV between (y, y+1)
        float[] dH = new float[n], dV = new float[n];
        double ratio = sigmaS / sigmaR;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int q = y * w + x;
                if (x < w - 1) {
                    dH[q] = (float) (1 + ratio * absDiff(img, q, q + 1));
                }
                if (y < h - 1) {
                    dV[q] = (float) (1 + ratio * absDiff(img, q, q + w));
                }
            }
        }
        float[] out = img.clone();
        for (int i = 0; i < iterations; i++) {
            // σ_H of iteration i: the variances sum to σs² over all iterations (paper eq. 14)
            double sigmaH = sigmaS * Math.sqrt(3) * Math.pow(2, iterations - i - 1) / Math.sqrt(Math.pow(4, iterations) - 1);
            double a = Math.exp(-Math.sqrt(2) / sigmaH);
            horizontal(out, dH, w, h, a);
            vertical(out, dV, w, h, a);
        }
        return out;
    }

    private static double absDiff(float[] img, int p, int q) {
        return Math.abs(img[q * 3] - img[p * 3]) + Math.abs(img[q * 3 + 1] - img[p * 3 + 1])
                + Math.abs(img[q * 3 + 2] - img[p * 3 + 2]);
    }

    private static void horizontal(float[] f, float[] d, int w, int h, double a) {
        float[] v = new float[w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w - 1; x++) {
                v[x] = (float) Math.pow(a, d[y * w + x]); // feedback between x and x+1
            }
            for (int x = 1; x < w; x++) {          // causal: J[x] += a^d (J[x−1] − J[x])
                int q = (y * w + x) * 3;
                float fb = v[x - 1];
                for (int c = 0; c < 3; c++) {
                    f[q + c] += fb * (f[q - 3 + c] - f[q + c]);
                }
            }
            for (int x = w - 2; x >= 0; x--) {     // anti-causal
                int q = (y * w + x) * 3;
                float fb = v[x];
                for (int c = 0; c < 3; c++) {
                    f[q + c] += fb * (f[q + 3 + c] - f[q + c]);
                }
            }
        }
    }

    private static void vertical(float[] f, float[] d, int w, int h, double a) {
        float[] v = new float[w * h];
        for (int q = 0; q < w * (h - 1); q++) {
            v[q] = (float) Math.pow(a, d[q]);
        }
        int row = w * 3;
        for (int y = 1; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int q = (y * w + x) * 3;
                float fb = v[(y - 1) * w + x];
                for (int c = 0; c < 3; c++) {
                    f[q + c] += fb * (f[q - row + c] - f[q + c]);
                }
            }
        }
        for (int y = h - 2; y >= 0; y--) {
            for (int x = 0; x < w; x++) {
                int q = (y * w + x) * 3;
                float fb = v[y * w + x];
                for (int c = 0; c < 3; c++) {
                    f[q + c] += fb * (f[q + row + c] - f[q + c]);
                }
            }
        }
    }
}
