// Image pyramid of guided synthesis: level k has size floor(size / 2^k) (EbSynth's sizes), made by area averaging.
package rerender.video.synth;

import rerender.video.FloatImage;

final class Pyramid {
    private Pyramid() {
    }

    /**
     * Number of levels: the most that keep min(side) >> (levels − 1) ≥ 2·patch + 1 over both images (EbSynth's
     * automatic rule), capped by {@code requested} when that is positive; at least 1.
     */
    static int levelCount(int minSide, int patch, int requested) {
        int max = 1;
        while (max < 31 && (minSide >> max) >= 2 * patch + 1) {
            max++;
        }
        return requested > 0 ? Math.min(requested, max) : max;
    }

    /**
     * Area-average resampling to a smaller size: each output pixel is the mean of the input area it covers
     * (fractional coverage at the edges). EbSynth point-samples bilinearly instead; averaging avoids aliasing in
     * the coarse levels, which only steer the search.
     */
    static FloatImage downsample(FloatImage src, int w2, int h2) {
        int c = src.channels;
        float[] tmp = new float[w2 * src.height * c]; // [H, W2, C]
        float[][] wx = coverage(src.width, w2);
        int[] x0 = firstIndex(src.width, w2);
        for (int y = 0; y < src.height; y++) {
            for (int x = 0; x < w2; x++) {
                float[] w = wx[x];
                int o = (y * w2 + x) * c;
                for (int k = 0; k < w.length; k++) {
                    int i = (y * src.width + x0[x] + k) * c;
                    for (int ch = 0; ch < c; ch++) {
                        tmp[o + ch] += w[k] * src.data[i + ch];
                    }
                }
            }
        }
        FloatImage out = new FloatImage(w2, h2, c);       // [H2, W2, C]
        float[][] wy = coverage(src.height, h2);
        int[] y0 = firstIndex(src.height, h2);
        for (int y = 0; y < h2; y++) {
            float[] w = wy[y];
            for (int k = 0; k < w.length; k++) {
                int row = (y0[y] + k) * w2 * c;
                int o = y * w2 * c;
                for (int i = 0; i < w2 * c; i++) {
                    out.data[o + i] += w[k] * tmp[row + i];
                }
            }
        }
        return out;
    }

    /** For each of n2 output cells, the normalised overlap of input cells floor(i·s) .. ceil((i+1)·s) − 1, s = n/n2. */
    private static float[][] coverage(int n, int n2) {
        double s = (double) n / n2;
        float[][] out = new float[n2][];
        for (int i = 0; i < n2; i++) {
            double a = i * s, b = (i + 1) * s;
            int j0 = (int) Math.floor(a), j1 = Math.min(n, (int) Math.ceil(b));
            out[i] = new float[j1 - j0];
            for (int j = j0; j < j1; j++) {
                out[i][j - j0] = (float) ((Math.min(j + 1, b) - Math.max(j, a)) / s);
            }
        }
        return out;
    }

    private static int[] firstIndex(int n, int n2) {
        double s = (double) n / n2;
        int[] out = new int[n2];
        for (int i = 0; i < n2; i++) {
            out[i] = (int) Math.floor(i * s);
        }
        return out;
    }
}
