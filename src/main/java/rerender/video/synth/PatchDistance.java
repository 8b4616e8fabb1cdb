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
 *
 * <p>Before touching the patches, a cheap exact lower bound is checked: for n = patchSize² pixels,
 * Σ_i d_i² ≥ (Σ_i d_i)² / n, so SSD ≥ Σ_{c ∈ K} n · (μ_t,c − μ_s,c)² with μ the patch means, for any channel subset
 * K. K holds the (at most) 8 channels with the largest weighted source variance; their √n-scaled means are
 * precomputed for every pixel (32 bytes), so a far-away random candidate that cannot win — most of them — costs
 * one cache line instead of the patchSize² lines of its patch. The search is memory-bound, so this matters more
 * than the arithmetic.
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
    /** Slots per pixel of the mean arrays: |K| rounded up to a whole number of vectors (extra slots stay 0). */
    private final int meanChannels;
    /** K: the packed channel held in each mean slot. */
    private final int[] boundChannels;
    /** [vector length] 1 for the lanes of a row's last partial vector that belong to the row, else 0. */
    private final float[] tailMask;
    /** [Hs, Ws, meanChannels] √n · mean of the (scaled) source patch centred at each pixel. */
    private final float[] sourceMean;
    /** [Ht, Wt, meanChannels] √n · mean of the target patch centred at each pixel (style channels: current estimate). */
    private final float[] targetMean;

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
        // one vector of slack at the end: the last row's partial vector is loaded whole and masked
        this.source = new float[paddedSourceWidth * (sourceHeight + 2 * radius) * channels + SPECIES.length()];
        this.target = new float[paddedWidth * (targetHeight + 2 * radius) * channels + SPECIES.length()];
        this.boundChannels = new int[Math.min(channels, 8)];
        this.meanChannels = SPECIES.loopBound(boundChannels.length + SPECIES.length() - 1);
        this.sourceMean = new float[sourceWidth * sourceHeight * meanChannels];
        this.targetMean = new float[targetWidth * targetHeight * meanChannels];
        int rowLen = patch * channels;
        this.tailMask = new float[SPECIES.length()];
        for (int i = 0; i < SPECIES.length(); i++) {
            tailMask[i] = SPECIES.loopBound(rowLen) + i < rowLen ? 1f : 0f;
        }
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
        chooseBoundChannels();
        for (int k = 0; k < boundChannels.length; k++) {
            patchMeans(source, sourceWidth, sourceHeight, sourceMean, k);
            patchMeans(target, targetWidth, targetHeight, targetMean, k);
        }
    }

    /** K = the channels with the largest variance over the (weight-scaled) source, in channel order. */
    private void chooseBoundChannels() {
        int n = sourceWidth * sourceHeight;
        double[] var = new double[channels];
        for (int c = 0; c < channels; c++) {
            double sum = 0, sq = 0;
            for (int y = 0; y < sourceHeight; y++) {
                int base = ((y + radius) * paddedSourceWidth + radius) * channels + c;
                for (int x = 0; x < sourceWidth; x++) {
                    double v = source[base + x * channels];
                    sum += v;
                    sq += v * v;
                }
            }
            var[c] = sq / n - (sum / n) * (sum / n);
        }
        Integer[] order = new Integer[channels];
        for (int c = 0; c < channels; c++) {
            order[c] = c;
        }
        java.util.Arrays.sort(order, (a, b) -> var[b] != var[a] ? Double.compare(var[b], var[a]) : Integer.compare(a, b));
        for (int k = 0; k < boundChannels.length; k++) {
            boundChannels[k] = order[k];
        }
        java.util.Arrays.sort(boundChannels);
    }

    /**
     * √n-scaled patch means of channel K[slot] of a padded packed array [h + 2r, w + 2r, C] into slot {@code slot}
     * of [h, w, meanChannels], by separable box sums.
     */
    private void patchMeans(float[] packed, int w, int h, float[] out, int slot) {
        int pw = w + 2 * radius, ph = h + 2 * radius, nc = 1, c0 = boundChannels[slot];
        float scale = 1f / patch; // √n / n with n = patch²
        float[] rows = new float[w * ph * nc]; // [ph, w, nc] horizontal box sums
        for (int y = 0; y < ph; y++) {
            for (int c = 0; c < nc; c++) {
                float sum = 0;
                int base = y * pw * channels + c0 + c;
                for (int i = 0; i < patch - 1; i++) {
                    sum += packed[base + i * channels];
                }
                for (int x = 0; x < w; x++) {
                    sum += packed[base + (x + patch - 1) * channels];
                    rows[(y * w + x) * nc + c] = sum;
                    sum -= packed[base + x * channels];
                }
            }
        }
        for (int x = 0; x < w; x++) {
            for (int c = 0; c < nc; c++) {
                float sum = 0;
                for (int j = 0; j < patch - 1; j++) {
                    sum += rows[(j * w + x) * nc + c];
                }
                for (int y = 0; y < h; y++) {
                    sum += rows[((y + patch - 1) * w + x) * nc + c];
                    out[(y * w + x) * meanChannels + slot + c] = sum * scale;
                    sum -= rows[(y * w + x) * nc + c];
                }
            }
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
        for (int k = 0; k < boundChannels.length; k++) {
            if (boundChannels[k] < styleChannels) {
                patchMeans(target, targetWidth, targetHeight, targetMean, k);
            }
        }
    }

    /** The exact lower bound Σ_c n (μ_t,c − μ_s,c)² of {@link #distance}. */
    float lowerBound(int tx, int ty, int sx, int sy) {
        int t = (ty * targetWidth + tx) * meanChannels, s = (sy * sourceWidth + sx) * meanChannels;
        FloatVector acc = FloatVector.zero(SPECIES);
        for (int i = 0; i < meanChannels; i += SPECIES.length()) {
            FloatVector d = FloatVector.fromArray(SPECIES, targetMean, t + i)
                    .sub(FloatVector.fromArray(SPECIES, sourceMean, s + i));
            acc = d.fma(d, acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    /**
     * Weighted SSD between the target patch centred at (tx, ty) and the source patch centred at (sx, sy). Stops
     * as soon as the lower bound or a completed patch row makes the sum exceed {@code bound} and then returns that
     * value (> bound).
     */
    float distance(int tx, int ty, int sx, int sy, float bound) {
        if (bound != Float.POSITIVE_INFINITY) {
            float lb = lowerBound(tx, ty, sx, sy);
            if (lb > bound) {
                return lb;
            }
        }
        return patchDistance(tx, ty, sx, sy, bound);
    }

    /** {@link #distance} without the lower-bound test, for callers that have already made it. */
    float patchDistance(int tx, int ty, int sx, int sy, float bound) {
        final int rowLen = patch * channels;
        final int vecEnd = SPECIES.loopBound(rowLen);
        final int step = SPECIES.length();
        final int tStride = paddedWidth * channels, sStride = paddedSourceWidth * channels;
        // in padded coordinates the patches' top-left pixels are (tx, ty) and (sx, sy)
        int t = (ty * paddedWidth + tx) * channels;
        int s = (sy * paddedSourceWidth + sx) * channels;
        final float[] tg = target, sr = source;
        final FloatVector mask = FloatVector.fromArray(SPECIES, tailMask, 0);
        float sum = 0;
        for (int j = 0; j < patch; j++) {
            FloatVector acc = FloatVector.zero(SPECIES);
            int i = 0;
            for (; i < vecEnd; i += step) {
                FloatVector d = FloatVector.fromArray(SPECIES, tg, t + i).sub(FloatVector.fromArray(SPECIES, sr, s + i));
                acc = d.fma(d, acc);
            }
            if (i < rowLen) { // partial last vector: load whole (arrays have slack), zero the lanes past the row
                FloatVector d = FloatVector.fromArray(SPECIES, tg, t + i).sub(FloatVector.fromArray(SPECIES, sr, s + i))
                        .mul(mask);
                acc = d.fma(d, acc);
            }
            sum += acc.reduceLanes(VectorOperators.ADD);
            if (sum > bound) {
                return sum;
            }
            t += tStride;
            s += sStride;
        }
        return sum;
    }
}
