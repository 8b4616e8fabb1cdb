// Optical flow and occlusion between every pair of consecutive frames, computed once (cached on disk) and shared by
// all segments; gives the "one step along the chain" warps that guides and blend masks follow (SPEC §5).
package rerender.pipeline;

import rerender.video.FloatImage;
import rerender.video.flow.FlowCache;
import rerender.video.flow.FlowPair;
import rerender.video.flow.Occlusion;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * Pair t (0 ≤ t < n−1) is frames (t, t+1): forward = flow(t → t+1) on t's grid, backward = flow(t+1 → t) on t+1's
 * grid; its occlusion masks come from the forward-backward consistency check (reference alpha 0.01, beta 0.5).
 */
public final class FrameFlows {
    private final int first;                 // pairs.get(i) is frames (first + i, first + i + 1)
    private final List<FlowPair> pairs;
    private final List<Occlusion> occlusions;

    private FrameFlows(int first, List<FlowPair> pairs, List<Occlusion> occlusions) {
        this.first = first;
        this.pairs = pairs;
        this.occlusions = occlusions;
    }

    /** A flow step: bring an image of frame {@code from} onto the grid of the neighbouring frame {@code to}. */
    public record Step(int from, int to, rerender.video.flow.Flow flow, FloatImage occluded) {
    }

    /** Estimates (or reads from the cache) all consecutive pairs of {@code frames}; pool may be null. */
    public static FrameFlows compute(List<FloatImage> frames, FlowCache cache, ExecutorService pool)
            throws IOException {
        return compute(0, frames, cache, pool);
    }

    /**
     * The pairs of a window of the video: {@code frames} are frames first, first+1, …; only steps between them are
     * available. Cache files are keyed by absolute frame index, so a window finds what a whole-video run stored.
     */
    public static FrameFlows compute(int first, List<FloatImage> frames, FlowCache cache, ExecutorService pool)
            throws IOException {
        if (first < 0 || frames.size() < 2) {
            throw new IllegalArgumentException("a flow window needs first >= 0 and at least 2 frames, got first "
                    + first + " and " + frames.size() + " frame(s)");
        }
        int n = frames.size() - 1;
        List<FlowPair> pairs = new ArrayList<>(n);
        List<Occlusion> occ = new ArrayList<>(n);
        if (pool == null) {
            for (int t = 0; t < n; t++) {
                pairs.add(cache.pair(first + t, first + t + 1, frames.get(t), frames.get(t + 1)));
            }
        } else {
            List<Future<FlowPair>> futures = new ArrayList<>(n);
            for (int t = 0; t < n; t++) {
                int i = t;
                futures.add(pool.submit(() -> cache.pair(first + i, first + i + 1, frames.get(i),
                        frames.get(i + 1))));
            }
            for (Future<FlowPair> f : futures) {
                pairs.add(Futures.await(f, "computing optical flow"));
            }
        }
        for (FlowPair p : pairs) {
            occ.add(Occlusion.check(p));
        }
        return new FrameFlows(first, pairs, occ);
    }

    /**
     * The step from frame {@code from} to its neighbour {@code to} (|from − to| = 1): Warp(img_from, flow) is on
     * to's grid; occluded [H, W, 1] marks to's pixels with no reliable match in from (the reference's bwd_occ).
     */
    public Step step(int from, int to) {
        if (Math.abs(from - to) != 1 || Math.min(from, to) < first || Math.max(from, to) > first + pairs.size()) {
            throw new IllegalArgumentException("no flow step from frame " + from + " to " + to + " (frames " + first
                    + ".." + (first + pairs.size()) + ")");
        }
        if (to == from + 1) { // frame t onto t+1: flow(t+1 -> t)
            return new Step(from, to, pairs.get(from - first).backward(), occlusions.get(from - first).backward());
        }
        return new Step(from, to, pairs.get(to - first).forward(), occlusions.get(to - first).forward());
    }

    /** Number of frames the flows connect (first..first + frameCount − 1). */
    public int frameCount() {
        return pairs.size() + 1;
    }

}
