// Patch cost of guided synthesis, plain reference: straightforward loops over the unpacked images with explicit
// channel weights and clamped coordinates. Used to check PatchDistance; never on the hot path.
package rerender.video.synth;

import rerender.video.FloatImage;

final class PatchDistanceReference {
    private PatchDistanceReference() {
    }

    /**
     * Σ_{dx,dy ∈ [−r, r]} [ Σ_c ws_c (T̂_c(t+d) − S_c(s+d))² + Σ_g Σ_c wg_{g,c} (TG_{g,c}(t+d) − SG_{g,c}(s+d))² ],
     * coordinates clamped to each image. T̂ = targetStyle (the current estimate), S = sourceStyle.
     */
    static double distance(FloatImage targetStyle, FloatImage sourceStyle, FloatImage[] targetGuides,
                           FloatImage[] sourceGuides, float[] styleWeights, float[][] guideWeights, int patch,
                           int tx, int ty, int sx, int sy) {
        int r = patch / 2;
        double sum = 0;
        for (int dy = -r; dy <= r; dy++) {
            for (int dx = -r; dx <= r; dx++) {
                sum += pixel(targetStyle, sourceStyle, styleWeights, tx + dx, ty + dy, sx + dx, sy + dy);
                for (int g = 0; g < targetGuides.length; g++) {
                    sum += pixel(targetGuides[g], sourceGuides[g], guideWeights[g], tx + dx, ty + dy, sx + dx, sy + dy);
                }
            }
        }
        return sum;
    }

    private static double pixel(FloatImage t, FloatImage s, float[] w, int tx, int ty, int sx, int sy) {
        int ctx = Math.clamp(tx, 0, t.width - 1), cty = Math.clamp(ty, 0, t.height - 1);
        int csx = Math.clamp(sx, 0, s.width - 1), csy = Math.clamp(sy, 0, s.height - 1);
        double sum = 0;
        for (int c = 0; c < t.channels; c++) {
            double d = (double) t.get(ctx, cty, c) - s.get(csx, csy, c);
            sum += w[c] * d * d;
        }
        return sum;
    }
}
