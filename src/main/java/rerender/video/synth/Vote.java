// Voting step of guided synthesis: each target pixel becomes the mean of the source style pixels that the patches
// overlapping it bring along (Wexler et al. 2007; EbSynth's "plain" vote, or its error-weighted variant).
package rerender.video.synth;

import java.util.concurrent.ExecutorService;
import rerender.video.FloatImage;

final class Vote {
    private Vote() {
    }

    /**
     * out[y, x] = Σ_{d ∈ patch, t+d inside target, nnf(t+d)−d inside source} w(t+d) · S(nnf(t+d) − d) / Σ w, with w ≡ 1 for the plain vote
     * or w = 1 / (1 + E(t+d) / (patch² · Cs)) when {@code error} is given.
     *
     * @param out   [Ht, Wt, Cs]
     * @param style [Hs, Ws, Cs] source style at this level
     * @param error [Ht * Wt] patch errors, or null for the plain vote
     */
    static void vote(float[] out, FloatImage style, int[] nnfX, int[] nnfY, float[] error, int tw, int th, int patch,
                     ExecutorService pool) {
        int r = patch / 2, cs = style.channels, sw = style.width, sh = style.height;
        float errNorm = 1f / (patch * patch * cs);
        int bands = Bands.count(th);
        Bands.run(pool, bands, b -> {
            float[] acc = new float[cs];
            for (int y = Bands.start(b, bands, th), y1 = Bands.start(b + 1, bands, th); y < y1; y++) {
                for (int x = 0; x < tw; x++) {
                    java.util.Arrays.fill(acc, 0f);
                    float wsum = 0;
                    for (int dy = -r; dy <= r; dy++) {
                        int qy = y + dy;
                        if (qy < 0 || qy >= th) {
                            continue;
                        }
                        for (int dx = -r; dx <= r; dx++) {
                            int qx = x + dx;
                            if (qx < 0 || qx >= tw) {
                                continue;
                            }
                            int q = qy * tw + qx, sx = nnfX[q] - dx, sy = nnfY[q] - dy;
                            if (sx < 0 || sy < 0 || sx >= sw || sy >= sh) {
                                continue; // that patch reached outside the source here: it has no pixel to give
                            }
                            int s = (sy * sw + sx) * cs;
                            float w = error == null ? 1f : 1f / (1f + error[q] * errNorm);
                            for (int c = 0; c < cs; c++) {
                                acc[c] += w * style.data[s + c];
                            }
                            wsum += w;
                        }
                    }
                    int o = (y * tw + x) * cs;
                    for (int c = 0; c < cs; c++) {
                        out[o + c] = acc[c] / wsum;
                    }
                }
            }
        });
    }
}
