// Guided patch-based synthesis (EbSynth: Jamriška et al. 2019 "Stylizing Video by Example", after StyLit, Fišer et
// al. 2016): carries a style exemplar onto a target described by guide images. The one entry point of this package.
package rerender.video.synth;

import java.util.List;
import java.util.concurrent.ExecutorService;
import rerender.video.FloatImage;

/**
 * Algorithm, as EbSynth's CPU back end:
 * <ol>
 *   <li>Pyramid: L levels (see {@link SynthParams#pyramidLevels()}), level k of size floor(size / 2^k), by area
 *       averaging, for the style, each source guide and each target guide.</li>
 *   <li>Coarsest level: random NNF. Finer levels: the coarser NNF upsampled 2x.</li>
 *   <li>At each level: vote once to get a target style estimate T̂, then {@code searchVoteIterations} rounds of
 *       PatchMatch ({@code patchMatchIterations} iterations, see {@link PatchMatch}) followed by a vote; after each
 *       round only pixels near a change of the estimate are searched again ({@link SynthParams#stopThreshold()}).</li>
 * </ol>
 * Patch cost (notation of the papers: A = source, B = target):
 * E(a, b) = Σ_{d ∈ patch} [ Σ_c ws_c (T̂_c(b+d) − S_c(a+d))² + Σ_g Σ_c wg_{g,c} (G^B_{g,c}(b+d) − G^A_{g,c}(a+d))² ],
 * with ws_c = styleWeight / Cs and wg_{g,c} = weight_g / C_g (EbSynth spreads each weight over the channels), plus
 * the uniformity term λ · occ(a) during the search. Patches that reach outside their image read clamped pixels,
 * on both sides (EbSynth keeps source patches inside; see {@link PatchDistance}); a vote that would fetch a source
 * pixel outside the source is skipped (EbSynth's vote rule).
 *
 * <p>Where we differ from EbSynth, and why: images stay float (EbSynth rounds every level and estimate to 8 bits);
 * the pyramid averages areas (EbSynth point-samples bilinearly, which aliases); source patches may reach the border
 * (so border pixels can match border pixels); the stop mask of EbSynth's GPU back end is used with threshold 2 (its
 * CPU back end searches every pixel in every round, ~8x the time here); the parallel search is deterministic
 * (fixed row bands with band-local usage maps, see {@link PatchMatch}) where EbSynth's threads race on shared state.
 * The error E reported is evaluated after the final vote.
 */
public final class PatchSynthesis {
    private PatchSynthesis() {
    }

    /**
     * Synthesises the target described by the guides' target images in the style of {@code style}.
     *
     * @param style  [Hs, Ws, Cs] stylised exemplar (the stylised key frame), values 0..255; at least patchSize on
     *               each side
     * @param guides at least one guide; every source image has the style's size, every target image the same size
     *               [Ht, Wt] (which may differ from the source size)
     * @param params synthesis settings
     * @param pool   threads to use; null runs on the calling thread. The result does not depend on it.
     * @return the synthesised [Ht, Wt, Cs] image, its per-pixel patch error and the NNF
     */
    public static SynthResult synthesize(FloatImage style, List<Guide> guides, SynthParams params, ExecutorService pool) {
        validate(style, guides, params);
        int ng = guides.size(), patch = params.patchSize();
        int tw0 = guides.getFirst().target().width, th0 = guides.getFirst().target().height;
        float[] styleWeights = styleWeights(params.styleWeight(), style.channels);
        float[][] guideWeights = new float[ng][];
        for (int g = 0; g < ng; g++) {
            guideWeights[g] = guideWeights(guides.get(g).weight(), guides.get(g).source().channels);
        }
        int minSide = Math.min(Math.min(style.width, style.height), Math.min(tw0, th0));
        int levels = Pyramid.levelCount(minSide, patch, params.pyramidLevels());

        // pyramids, index 0 = full resolution
        FloatImage[] styles = new FloatImage[levels];
        FloatImage[][] sourceGuides = new FloatImage[levels][ng];
        FloatImage[][] targetGuides = new FloatImage[levels][ng];
        styles[0] = style;
        for (int g = 0; g < ng; g++) {
            sourceGuides[0][g] = guides.get(g).source();
            targetGuides[0][g] = guides.get(g).target();
        }
        for (int k = 1; k < levels; k++) {
            int sw = style.width >> k, sh = style.height >> k, tw = tw0 >> k, th = th0 >> k;
            styles[k] = Pyramid.downsample(styles[k - 1], sw, sh);
            for (int g = 0; g < ng; g++) {
                sourceGuides[k][g] = Pyramid.downsample(sourceGuides[k - 1][g], sw, sh);
                targetGuides[k][g] = Pyramid.downsample(targetGuides[k - 1][g], tw, th);
            }
        }

        int[] nnfX = null, nnfY = null;
        int prevW = 0, prevH = 0;
        float[] estimate = null;
        PatchMatch search = null;
        for (int k = levels - 1; k >= 0; k--) {
            FloatImage s = styles[k];
            int tw = tw0 >> k, th = th0 >> k;
            int[] fx = new int[tw * th], fy = new int[tw * th];
            if (nnfX == null) {
                Nnf.random(fx, fy, s.width, s.height, Rng.stream(params.seed(), k, -1));
            } else {
                Nnf.upscale(nnfX, nnfY, prevW, prevH, fx, fy, tw, th, s.width, s.height);
            }
            nnfX = fx;
            nnfY = fy;
            prevW = tw;
            prevH = th;
            PatchDistance dist = new PatchDistance(s, sourceGuides[k], targetGuides[k], tw, th, styleWeights,
                    guideWeights, patch);
            estimate = new float[tw * th * s.channels];
            Vote.vote(estimate, s, nnfX, nnfY, null, tw, th, patch, pool);
            dist.setTargetStyle(estimate);
            search = new PatchMatch(dist, nnfX, nnfY, params.uniformityWeight());
            boolean[] active = new boolean[tw * th];
            java.util.Arrays.fill(active, true);
            float[] previous = new float[estimate.length];
            for (int round = 0; round < params.searchVoteIterations(); round++) {
                if (params.weightedVote() && round > 0) {
                    // the weighted vote reads E of every pixel; a run refreshes it for the searched ones only
                    search.computeErrors(null, pool);
                }
                search.run(params.patchMatchIterations(), Rng.stream(params.seed(), k, round), active, pool);
                System.arraycopy(estimate, 0, previous, 0, estimate.length);
                Vote.vote(estimate, s, nnfX, nnfY, params.weightedVote() ? search.error : null, tw, th, patch, pool);
                dist.setTargetStyle(estimate);
                if (params.stopThreshold() > 0) {
                    changedPixels(previous, estimate, s.channels, tw, th, params.stopThreshold(), patch / 2, active);
                }
            }
        }
        search.computeErrors(null, pool); // E of the final NNF against the final image
        int[] nnf = new int[tw0 * th0 * 2];
        for (int t = 0; t < tw0 * th0; t++) {
            nnf[2 * t] = nnfX[t];
            nnf[2 * t + 1] = nnfY[t];
        }
        return new SynthResult(new FloatImage(tw0, th0, style.channels, estimate), search.error.clone(), nnf);
    }

    /**
     * active[t] = some pixel within the patch radius of t (square window) changed by ≥ threshold in some channel
     * between {@code before} and {@code after} ([Ht, Wt, Cs]). EbSynth's GPU stop mask.
     */
    static void changedPixels(float[] before, float[] after, int cs, int tw, int th, float threshold, int r,
                              boolean[] active) {
        boolean[] changed = new boolean[tw * th];
        for (int t = 0; t < tw * th; t++) {
            for (int c = 0; c < cs; c++) {
                if (Math.abs(after[t * cs + c] - before[t * cs + c]) >= threshold) {
                    changed[t] = true;
                    break;
                }
            }
        }
        boolean[] rows = new boolean[tw * th]; // horizontal dilation, then vertical
        for (int y = 0; y < th; y++) {
            for (int x = 0; x < tw; x++) {
                boolean any = false;
                for (int dx = Math.max(-r, -x); dx <= r && x + dx < tw && !any; dx++) {
                    any = changed[y * tw + x + dx];
                }
                rows[y * tw + x] = any;
            }
        }
        for (int y = 0; y < th; y++) {
            for (int x = 0; x < tw; x++) {
                boolean any = false;
                for (int dy = Math.max(-r, -y); dy <= r && y + dy < th && !any; dy++) {
                    any = rows[(y + dy) * tw + x];
                }
                active[y * tw + x] = any;
            }
        }
    }

    /** [Cs] per-channel style weights: the total spread evenly (EbSynth). */
    static float[] styleWeights(float total, int channels) {
        float[] w = new float[channels];
        java.util.Arrays.fill(w, total / channels);
        return w;
    }

    /** [C_g] per-channel weights of one guide: its weight spread evenly over its channels (EbSynth). */
    static float[] guideWeights(float total, int channels) {
        return styleWeights(total, channels);
    }

    private static void validate(FloatImage style, List<Guide> guides, SynthParams params) {
        if (style == null || guides == null || params == null) {
            throw new IllegalArgumentException("style, guides and params must not be null");
        }
        if (guides.isEmpty()) {
            throw new IllegalArgumentException("at least one guide is needed (it defines the target)");
        }
        if (style.width < params.patchSize() || style.height < params.patchSize()) {
            throw new IllegalArgumentException("style " + style.width + "x" + style.height
                    + " is smaller than the patch size " + params.patchSize());
        }
        requireFinite(style, "style");
        FloatImage t0 = guides.getFirst().target();
        for (int g = 0; g < guides.size(); g++) {
            Guide gd = guides.get(g);
            if (!gd.source().sameSize(style)) {
                throw new IllegalArgumentException("guide " + g + " source is " + gd.source().width + "x"
                        + gd.source().height + " but the style is " + style.width + "x" + style.height);
            }
            if (!gd.target().sameSize(t0)) {
                throw new IllegalArgumentException("guide " + g + " target is " + gd.target().width + "x"
                        + gd.target().height + " but guide 0 target is " + t0.width + "x" + t0.height);
            }
            requireFinite(gd.source(), "guide " + g + " source");
            requireFinite(gd.target(), "guide " + g + " target");
        }
    }

    private static void requireFinite(FloatImage img, String what) {
        for (int i = 0; i < img.data.length; i++) {
            if (!Float.isFinite(img.data[i])) {
                int p = i / img.channels;
                throw new IllegalArgumentException(what + " has a non-finite value " + img.data[i] + " at x="
                        + p % img.width + " y=" + p / img.width + " channel " + i % img.channels);
            }
        }
    }
}
