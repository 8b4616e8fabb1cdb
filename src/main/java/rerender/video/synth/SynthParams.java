// Parameters of guided patch-based synthesis (EbSynth; Jamriška et al. 2019, StyLit, Fišer et al. 2016).
// Defaults are the values the Rerender propagation passes to EbSynth.
package rerender.video.synth;

/**
 * Settings of one {@link PatchSynthesis#synthesize} call.
 *
 * @param patchSize            side of the square patches in pixels; odd, ≥ 3 (default 5).
 * @param uniformityWeight     λ of the uniformity term, ≥ 0 (default 3500). A candidate source patch costs
 *                             λ · (mean usage count of its pixels) / (ideal usage |T|/|S| · patchSize²) on top of
 *                             its patch SSD, as in EbSynth; 0 turns the term off.
 * @param patchMatchIterations PatchMatch iterations (propagation + random search) per search-vote round, ≥ 0 (default 6).
 * @param searchVoteIterations search-vote rounds per pyramid level, ≥ 1 (default 12).
 * @param pyramidLevels        number of pyramid levels, ≥ 0; 0 = automatic: as many as keep the smaller side of
 *                             the coarsest level ≥ 2 · patchSize + 1 (EbSynth's rule; 6 levels at 512x640). A
 *                             positive value is capped at that maximum.
 * @param styleWeight          total weight of the style term (SSD between the current target estimate and the
 *                             source style patch), spread evenly over the style channels, ≥ 0 (default 1, EbSynth's
 *                             default). Guide weights are likewise spread over each guide's channels.
 * @param weightedVote         false (default, EbSynth's CLI): each target pixel is the plain mean of the source
 *                             pixels that the overlapping patches put there; true: the mean is weighted by
 *                             1 / (1 + E / (patchSize² · styleChannels)), E the patch error.
 * @param stopThreshold        after each vote but a level's last, only target pixels near a change are searched again:
 *                             a pixel whose estimate moved by ≥ stopThreshold (max over channels, 0..255 units),
 *                             dilated by the patch radius (EbSynth's GPU back end, whose default is 5). 0 searches
 *                             every pixel in every round, as EbSynth's CPU back end does, at ~8x the time (53 s CPU
 *                             at 512x640). Default 2: ~10% slower than 5 and 0.1-0.2 dB better on our checks.
 *                             ≥ 0.
 * @param seed                 seed of the random NNF initialisation and random search; the result depends only on
 *                             the inputs and this seed, never on the thread count.
 */
public record SynthParams(int patchSize, float uniformityWeight, int patchMatchIterations, int searchVoteIterations,
                          int pyramidLevels, float styleWeight, boolean weightedVote, float stopThreshold,
                          long seed) {

    public SynthParams {
        if (patchSize < 3 || patchSize % 2 == 0) {
            throw new IllegalArgumentException("patchSize must be odd and >= 3, got " + patchSize);
        }
        if (!(uniformityWeight >= 0) || Float.isInfinite(uniformityWeight)) {
            throw new IllegalArgumentException("uniformityWeight must be finite and >= 0, got " + uniformityWeight);
        }
        if (patchMatchIterations < 0) {
            throw new IllegalArgumentException("patchMatchIterations must be >= 0, got " + patchMatchIterations);
        }
        if (searchVoteIterations < 1) {
            throw new IllegalArgumentException("searchVoteIterations must be >= 1, got " + searchVoteIterations);
        }
        if (pyramidLevels < 0) {
            throw new IllegalArgumentException("pyramidLevels must be >= 0 (0 = automatic), got " + pyramidLevels);
        }
        if (!(stopThreshold >= 0) || Float.isInfinite(stopThreshold)) {
            throw new IllegalArgumentException("stopThreshold must be finite and >= 0, got " + stopThreshold);
        }
        if (!(styleWeight >= 0) || Float.isInfinite(styleWeight)) {
            throw new IllegalArgumentException("styleWeight must be finite and >= 0, got " + styleWeight);
        }
    }

    /**
     * Rerender's settings: 5x5 patches, uniformity 3500, 6 PatchMatch iterations, 12 search-vote rounds, automatic
     * pyramid; EbSynth's defaults otherwise (style weight 1, plain vote); stop threshold 2; seed 0.
     */
    public static SynthParams defaults() {
        return new SynthParams(5, 3500f, 6, 12, 0, 1f, false, 2f, 0L);
    }

    public SynthParams withSeed(long newSeed) {
        return new SynthParams(patchSize, uniformityWeight, patchMatchIterations, searchVoteIterations, pyramidLevels,
                styleWeight, weightedVote, stopThreshold, newSeed);
    }

    public SynthParams withPyramidLevels(int levels) {
        return new SynthParams(patchSize, uniformityWeight, patchMatchIterations, searchVoteIterations, levels,
                styleWeight, weightedVote, stopThreshold, seed);
    }

    public SynthParams withIterations(int patchMatch, int searchVote) {
        return new SynthParams(patchSize, uniformityWeight, patchMatch, searchVote, pyramidLevels, styleWeight,
                weightedVote, stopThreshold, seed);
    }

    public SynthParams withUniformityWeight(float lambda) {
        return new SynthParams(patchSize, lambda, patchMatchIterations, searchVoteIterations, pyramidLevels,
                styleWeight, weightedVote, stopThreshold, seed);
    }

    public SynthParams withWeightedVote(boolean weighted) {
        return new SynthParams(patchSize, uniformityWeight, patchMatchIterations, searchVoteIterations, pyramidLevels,
                styleWeight, weighted, stopThreshold, seed);
    }

    public SynthParams withStopThreshold(float threshold) {
        return new SynthParams(patchSize, uniformityWeight, patchMatchIterations, searchVoteIterations, pyramidLevels,
                styleWeight, weightedVote, threshold, seed);
    }
}
