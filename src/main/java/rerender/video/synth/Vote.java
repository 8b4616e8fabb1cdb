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
        float[] src = style.data;
        int bands = Bands.count(th);
        Bands.run(pool, bands, b -> {
            float[] acc = new float[cs];
            for (int y = Bands.start(b, bands, th), y1 = Bands.start(b + 1, bands, th); y < y1; y++) {
                int dy0 = Math.max(-r, -y), dy1 = Math.min(r, th - 1 - y);
                for (int x = 0; x < tw; x++) {
                    int dx0 = Math.max(-r, -x), dx1 = Math.min(r, tw - 1 - x);
                    float a0 = 0, a1 = 0, a2 = 0, wsum = 0; // channels 0..2 kept in registers for the common Cs = 3
                    if (cs != 3) {
                        java.util.Arrays.fill(acc, 0f);
                    }
                    for (int dy = dy0; dy <= dy1; dy++) {
                        int row = (y + dy) * tw + x;
                        for (int dx = dx0; dx <= dx1; dx++) {
                            int q = row + dx, sx = nnfX[q] - dx, sy = nnfY[q] - dy;
                            if (sx < 0 || sy < 0 || sx >= sw || sy >= sh) {
                                continue; // that patch reached outside the source here: it has no pixel to give
                            }
                            int s = (sy * sw + sx) * cs;
                            float w = error == null ? 1f : 1f / (1f + error[q] * errNorm);
                            if (cs == 3) {
                                a0 += w * src[s];
                                a1 += w * src[s + 1];
                                a2 += w * src[s + 2];
                            } else {
                                for (int c = 0; c < cs; c++) {
                                    acc[c] += w * src[s + c];
                                }
                            }
                            wsum += w;
                        }
                    }
                    int o = (y * tw + x) * cs;
                    if (cs == 3) {
                        out[o] = a0 / wsum;
                        out[o + 1] = a1 / wsum;
                        out[o + 2] = a2 / wsum;
                    } else {
                        for (int c = 0; c < cs; c++) {
                            out[o + c] = acc[c] / wsum;
                        }
                    }
                }
            }
        });
    }
}
