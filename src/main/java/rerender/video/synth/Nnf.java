// Nearest-neighbour field set-up: random initialisation at the coarsest level, 2x upsampling between levels (EbSynth).
package rerender.video.synth;

final class Nnf {
    private Nnf() {
    }

    /** Uniformly random source centres in [0, Ws) x [0, Hs), from a stream seeded by {@code seed}. */
    static void random(int[] nnfX, int[] nnfY, int sw, int sh, long seed) {
        long state = Rng.mix(seed);
        for (int t = 0; t < nnfX.length; t++) {
            state = Rng.next(state);
            nnfX[t] = Rng.below(state, sw);
            state = Rng.next(state);
            nnfY[t] = Rng.below(state, sh);
        }
    }

    /**
     * Coarse [h, w] field to fine [th, tw]: fine pixel (x, y) takes 2·coarse(x/2, y/2) + (x mod 2, y mod 2),
     * clamped to the fine source [sw, sh].
     */
    static void upscale(int[] cx, int[] cy, int w, int h, int[] fx, int[] fy, int tw, int th, int sw, int sh) {
        for (int y = 0; y < th; y++) {
            int yc = Math.min(y / 2, h - 1);
            for (int x = 0; x < tw; x++) {
                int c = yc * w + Math.min(x / 2, w - 1), t = y * tw + x;
                fx[t] = Math.clamp(cx[c] * 2L + (x & 1), 0, sw - 1);
                fy[t] = Math.clamp(cy[c] * 2L + (y & 1), 0, sh - 1);
            }
        }
    }
}
