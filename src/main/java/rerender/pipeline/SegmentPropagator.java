// Fills the in-between frames of one segment (k, k'): guided synthesis forward from key k and backward from key k',
// then the error-mask + histogram-preserving (+ optional Poisson) blend of the two (SPEC §5; Jamriška et al. 2019).
package rerender.pipeline;

import rerender.video.FloatImage;
import rerender.video.blend.ErrorMask;
import rerender.video.blend.FrameBlender;
import rerender.video.flow.Warp;
import rerender.video.synth.PatchSynthesis;
import rerender.video.synth.SynthParams;
import rerender.video.synth.SynthResult;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;

/**
 * Thread-safe (holds only read-only inputs); one call of {@link #propagate} per segment, segments may run in
 * parallel. The result depends only on the frames, keys, flows and settings — never on the pool.
 */
public final class SegmentPropagator {
    private final int firstFrame;            // frames.get(i) is frame firstFrame + i
    private final List<FloatImage> frames;   // prepared input frames, each [H, W, 3]
    private final FrameFlows flows;
    private final PropagationSettings settings;

    /** All frames of the video (frame t = frames.get(t)) and their flows. */
    public SegmentPropagator(List<FloatImage> frames, FrameFlows flows, PropagationSettings settings) {
        this(0, frames, flows, settings);
    }

    /**
     * A window of the video: {@code frames} are frames firstFrame, firstFrame+1, … and {@code flows} covers them;
     * enough for the segments inside the window (what a streaming run holds per segment in flight).
     */
    public SegmentPropagator(int firstFrame, List<FloatImage> frames, FrameFlows flows, PropagationSettings settings) {
        this.firstFrame = firstFrame;
        this.frames = frames;
        this.flows = flows;
        this.settings = settings;
    }

    private FloatImage frame(int t) {
        if (t < firstFrame || t >= firstFrame + frames.size()) {
            throw new IllegalArgumentException("frame " + t + " outside the frames " + firstFrame + ".."
                    + (firstFrame + frames.size() - 1) + " given");
        }
        return frames.get(t - firstFrame);
    }

    /** Seconds spent in each stage of one segment (for the benchmark); blending includes the Poisson step if on. */
    public record Timings(double synthesisSeconds, double blendSeconds) {
    }

    /** @param frames blended in-between frames k+1..k'−1, each [H, W, 3] rounded to 8-bit values */
    public record Result(List<FloatImage> frames, List<FloatImage> forward, List<FloatImage> backward,
                         Timings timings) {
    }

    /** Both syntheses of a segment, in frame order k+1..k'−1 (the backward one already reversed). */
    public record Passes(List<SynthResult> forward, List<SynthResult> backward) {
    }

    /**
     * Synthesis then blending of one segment.
     *
     * @param firstStyle stylised key k, [H, W, 3]
     * @param lastStyle  stylised key k', [H, W, 3]
     * @param pool       threads for the synthesis (null = calling thread)
     * @param progress   advanced by one per synthesised frame
     */
    public Result propagate(Segment seg, FloatImage firstStyle, FloatImage lastStyle, ExecutorService pool,
                            ProgressListener progress) {
        long t0 = System.nanoTime();
        Passes passes = synthesize(seg, firstStyle, lastStyle, pool, progress);
        long t1 = System.nanoTime();
        List<FloatImage> out = blend(seg, passes, settings.poisson());
        long t2 = System.nanoTime();
        return new Result(out, passes.forward().stream().map(SynthResult::image).toList(),
                passes.backward().stream().map(SynthResult::image).toList(),
                new Timings((t1 - t0) * 1e-9, (t2 - t1) * 1e-9));
    }

    /** Forward synthesis from key k and backward synthesis from key k' over the in-between frames. */
    public Passes synthesize(Segment seg, FloatImage firstStyle, FloatImage lastStyle, ExecutorService pool,
                             ProgressListener progress) {
        List<SynthResult> fwd = pass(seg.first(), +1, seg.inBetweenCount(), firstStyle, pool, progress);
        List<SynthResult> bwd = pass(seg.last(), -1, seg.inBetweenCount(), lastStyle, pool, progress).reversed();
        return new Passes(fwd, bwd);
    }

    /**
     * Blends the two passes frame by frame: error mask (carried along the flow and OR-ed: once B, stays B),
     * histogram-preserving Lab blend, optional Poisson step.
     * @return frames k+1..k'−1, [H, W, 3], rounded to 8-bit values
     */
    public List<FloatImage> blend(Segment seg, Passes passes, boolean poisson) {
        if (seg.inBetweenCount() == 0) {
            return List.of(); // neighbouring keys: nothing between them
        }
        FloatImage first = passes.forward().getFirst().image();
        FrameBlender blender = new FrameBlender(first.width, first.height, poisson, Runnable::run);
        List<FloatImage> out = new ArrayList<>(seg.inBetweenCount());
        boolean[] mask = null;
        for (int j = 1; j <= seg.inBetweenCount(); j++) {
            int t = seg.first() + j;
            SynthResult a = passes.forward().get(j - 1), b = passes.backward().get(j - 1);
            boolean[] carried = mask == null ? null : warpMask(mask, flows.step(t - 1, t), a.image());
            FrameBlender.Result blended = blender.blend(a.image(), b.image(), a.error(), b.error(),
                    ErrorMask.forwardWeight(j, seg.length()), carried);
            mask = blended.mask();
            out.add(rounded(blended.image()));
        }
        return out;
    }

    /**
     * One direction: from {@code key} (style {@code style}) over {@code count} frames key+dir, key+2·dir, … Each
     * frame's temporal guide is the previous output of this pass warped to it.
     * @return results in pass order (nearest the key first)
     */
    List<SynthResult> pass(int key, int dir, int count, FloatImage style, ExecutorService pool,
                           ProgressListener progress) {
        GuideBuilder guides = new GuideBuilder(frame(key), style, settings.guides());
        List<SynthResult> results = new ArrayList<>(count);
        FloatImage previous = style;
        for (int s = 1; s <= count; s++) {
            int t = key + dir * s;
            SynthParams params = settings.synth().withSeed(seedFor(settings.synth().seed(), t, dir));
            SynthResult r = PatchSynthesis.synthesize(style,
                    guides.next(flows.step(t - dir, t), frame(t), previous), params, pool);
            r = new SynthResult(rounded(r.image()), r.error(), r.nnf()); // the reference stores outputs as 8-bit images
            results.add(r);
            previous = r.image();
            progress.advance(1);
        }
        return results;
    }

    /** A per-frame seed, so that each synthesis is reproducible on its own whatever order segments run in. */
    static long seedFor(long base, int frame, int dir) {
        long z = base * 0x9E3779B97F4A7C15L + frame * 2L + (dir > 0 ? 0 : 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static boolean[] warpMask(boolean[] mask, FrameFlows.Step step, FloatImage like) {
        FloatImage m = new FloatImage(like.width, like.height, 1);
        for (int i = 0; i < mask.length; i++) {
            m.data[i] = mask[i] ? 1f : 0f;
        }
        FloatImage warped = Warp.nearest(m, step.flow());
        boolean[] out = new boolean[mask.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = warped.data[i] > 0.5f;
        }
        return out;
    }

    static FloatImage rounded(FloatImage img) {
        FloatImage out = new FloatImage(img.width, img.height, img.channels);
        for (int i = 0; i < out.data.length; i++) {
            out.data[i] = FloatImage.to8(img.data[i]);
        }
        return out;
    }
}
