// Patch cost of guided synthesis, fast kernel: Σ over a patch of Σ_c w_c · (target_c − source_c)² for the style
// estimate and all guides at once. Reference version: PatchDistanceReference (plain loops over the input images).
package rerender.video.synth;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import rerender.video.FloatImage;

/**
 * Why it is fast: all channels of a pixel (style first, then the guides in order) are packed side by side and
 * pre-multiplied by √w_c, so the weighted SSD becomes a plain SSD over one contiguous run of patchSize·C floats per
 * patch row, computed with the Vector API; the sum is checked against the caller's bound after every row (early
 * termination, as in EbSynth). Source and target are padded by the patch radius with replicated border pixels, so
 * patches that stick out of an image read clamped pixels without a branch. EbSynth clamps target patches the same
 * way but keeps source centres a radius away from the border; we let source centres reach the border too, so border
 * pixels match border pixels (an unchanged frame is reproduced up to its edges).
 */
final class PatchDistance {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

    final int patch;
    final int radius;
    /** C = styleChannels + Σ guide channels. */
    final int channels;
    final int styleChannels;
    final int sourceWidth;
    final int sourceHeight;
    /** Ws + 2r. */
    final int paddedSourceWidth;
    /** [Hs + 2r, Ws + 2r, C], channel c scaled by √w_c, border replicated. */
    final float[] source;
    final int targetWidth;
    final int targetHeight;
    /** Wt + 2r. */
    final int paddedWidth;
    /** [Ht + 2r, Wt + 2r, C], channel c scaled by √w_c; the style channels hold the current target estimate. */
    final float[] target;
    /** [Cs] √(style weight per channel). */
    private final float[] styleScale;

    /**
     * @param styleWeights [Cs] per-channel weight of the style term
     * @param guideWeights per guide, [C_g] per-channel weights
     */
    PatchDistance(FloatImage sourceStyle, FloatImage[] sourceGuides, FloatImage[] targetGuides, int targetWidth,
                  int targetHeight, float[] styleWeights, float[][] guideWeights, int patch) {
        this.patch = patch;
        this.radius = patch / 2;
        this.styleChannels = sourceStyle.channels;
        int c = styleChannels;
        for (FloatImage g : sourceGuides) {
            c += g.channels;
        }
        this.channels = c;
        this.sourceWidth = sourceStyle.width;
        this.sourceHeight = sourceStyle.height;
        this.targetWidth = targetWidth;
        this.targetHeight = targetHeight;
        this.paddedWidth = targetWidth + 2 * radius;
        this.paddedSourceWidth = sourceWidth + 2 * radius;
        this.styleScale = new float[styleChannels];
        for (int i = 0; i < styleChannels; i++) {
            styleScale[i] = (float) Math.sqrt(styleWeights[i]);
        }
        this.source = new float[paddedSourceWidth * (sourceHeight + 2 * radius) * channels];
        this.target = new float[paddedWidth * (targetHeight + 2 * radius) * channels];
        packInto(source, sourceWidth, sourceHeight, radius, 0, sourceStyle, styleScale);
        int offset = styleChannels;
        for (int g = 0; g < sourceGuides.length; g++) {
            float[] scale = new float[guideWeights[g].length];
            for (int i = 0; i < scale.length; i++) {
                scale[i] = (float) Math.sqrt(guideWeights[g][i]);
            }
            packInto(source, sourceWidth, sourceHeight, radius, offset, sourceGuides[g], scale);
            packInto(target, targetWidth, targetHeight, radius, offset, targetGuides[g], scale);
            offset += sourceGuides[g].channels;
        }
    }

    /** Writes image channels, scaled, at channel offset {@code offset} of a packed [.., C] array padded by {@code pad}. */
    private void packInto(float[] dst, int w, int h, int pad, int offset, FloatImage img, float[] scale) {
        int pw = w + 2 * pad, ph = h + 2 * pad, ic = img.channels;
        for (int y = 0; y < ph; y++) {
            int sy = Math.clamp(y - pad, 0, h - 1);
            for (int x = 0; x < pw; x++) {
                int sx = Math.clamp(x - pad, 0, w - 1);
                int si = (sy * w + sx) * ic, di = (y * pw + x) * channels + offset;
                for (int k = 0; k < ic; k++) {
                    dst[di + k] = img.data[si + k] * scale[k];
                }
            }
        }
    }

    /** Replaces the style channels of the target with a new estimate. style: [Ht, Wt, Cs]. */
    void setTargetStyle(float[] style) {
        packInto(target, targetWidth, targetHeight, radius, 0,
                new FloatImage(targetWidth, targetHeight, styleChannels, style), styleScale);
    }

    /**
     * Weighted SSD between the target patch centred at (tx, ty) and the source patch centred at (sx, sy). Stops
     * as soon as a completed patch row makes the sum exceed {@code bound} and then returns that partial sum (> bound).
     */
    float distance(int tx, int ty, int sx, int sy, float bound) {
        final int rowLen = patch * channels;
        final int vecEnd = SPECIES.loopBound(rowLen);
        final int step = SPECIES.length();
        final int tStride = paddedWidth * channels, sStride = paddedSourceWidth * channels;
        // in padded coordinates the patches' top-left pixels are (tx, ty) and (sx, sy)
        int t = (ty * paddedWidth + tx) * channels;
        int s = (sy * paddedSourceWidth + sx) * channels;
        final float[] tg = target, sr = source;
        float sum = 0;
        for (int j = 0; j < patch; j++) {
            FloatVector acc = FloatVector.zero(SPECIES);
            int i = 0;
            for (; i < vecEnd; i += step) {
                FloatVector d = FloatVector.fromArray(SPECIES, tg, t + i).sub(FloatVector.fromArray(SPECIES, sr, s + i));
                acc = d.fma(d, acc);
            }
            float row = acc.reduceLanes(VectorOperators.ADD);
            for (; i < rowLen; i++) {
                float d = tg[t + i] - sr[s + i];
                row += d * d;
            }
            sum += row;
            if (sum > bound) {
                return sum;
            }
            t += tStride;
            s += sStride;
        }
        return sum;
    }
}
