// Quality and speed benchmark of propagation (not a test): every frame of a clip is stylised by a deterministic
// filter, the filtered frames at key positions are the keys, and the propagated in-between frames are compared with
// the filtered ground truth; baselines: the nearest key warped along the flow chain, and the nearest key copied.
package rerender.pipeline.bench;

import rerender.pipeline.FrameFlows;
import rerender.pipeline.ProgressListener;
import rerender.pipeline.PropagationPlan;
import rerender.pipeline.PropagationSettings;
import rerender.pipeline.Segment;
import rerender.pipeline.SegmentPropagator;
import rerender.video.FloatImage;
import rerender.video.flow.DisFlow;
import rerender.video.flow.FlowCache;
import rerender.video.flow.Warp;
import rerender.video.io.Crop;
import rerender.video.io.FramePreparation;
import rerender.video.io.FrameRange;
import rerender.video.io.VideoReadOptions;
import rerender.video.io.VideoSource;
import rerender.video.style.StyleFilter;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;

public final class PropagationBench {
    private PropagationBench() {
    }

    /** One clip setting: frames [first, first+frames) of video, crop + resize, keys every `interval`. */
    public record Case(String name, Path video, Crop crop, int resolution, int first, int frames, int interval,
                       String filter) {
    }

    /**
     * Figures of one method over the in-between frames. near = frames next to a key, mid = the others;
     * temporalRatio = mean over t of the temporal error of the output / the same of the ground truth (1 = as
     * steady as the per-frame filter; the filter itself can flicker, so below 1 is possible).
     */
    public record Metrics(double psnrNear, double ssimNear, double psnrMid, double ssimMid, double temporalRatio,
                          int near, int mid) {
    }

    /** Results of one case with one blending mode. Seconds are per in-between frame. */
    public record Result(String caseName, String filter, int width, int height, int frames, int interval,
                         boolean poisson, Metrics propagated, Metrics warpedKey, Metrics nearestKey,
                         double synthesisSecondsPerFrame, double blendSecondsPerFrame) {
    }

    /**
     * Runs a case: the syntheses once, then the blend once per Poisson mode (the synthesis does not depend on it).
     * @param flowDir flow cache folder
     */
    public static List<Result> run(Case c, boolean[] poissonModes, PropagationSettings base, ExecutorService pool,
                                   Path flowDir, Consumer<String> log) throws IOException {
        List<FloatImage> frames = decode(c);
        StyleFilter filter = StyleFilter.byName(c.filter());
        List<FloatImage> truth = new ArrayList<>(frames.size());
        for (FloatImage f : frames) {
            truth.add(round(filter.apply(f)));
        }
        PropagationPlan plan = PropagationPlan.everyKth(frames.size(), c.interval());
        FrameFlows flows = FrameFlows.compute(frames, new FlowCache(flowDir, DisFlow.DEFAULT), null);
        SegmentPropagator propagator = new SegmentPropagator(frames, flows, base);
        FloatImage f0 = frames.getFirst();
        log.accept(String.format("%s / %s: %d frames %dx%d, keys %s", c.name(), c.filter(), frames.size(), f0.width,
                f0.height, java.util.Arrays.toString(plan.keys())));

        List<SegmentPropagator.Passes> passes = new ArrayList<>();
        long s0 = System.nanoTime();
        for (Segment seg : plan.segments()) {
            passes.add(propagator.synthesize(seg, truth.get(seg.first()), truth.get(seg.last()), pool,
                    ProgressListener.NONE));
        }
        double synthPerFrame = (System.nanoTime() - s0) * 1e-9 / Math.max(1, plan.inBetweenCount());

        Metrics warped = evaluate(baseline(plan, truth, flows, true), truth, plan, flows);
        Metrics copied = evaluate(baseline(plan, truth, flows, false), truth, plan, flows);
        List<Result> results = new ArrayList<>();
        for (boolean poisson : poissonModes) {
            List<FloatImage> out = new ArrayList<>(truth); // keys stay the keys
            long b0 = System.nanoTime();
            for (int i = 0; i < plan.segments().size(); i++) {
                Segment seg = plan.segments().get(i);
                List<FloatImage> blended = propagator.blend(seg, passes.get(i), poisson);
                for (int j = 0; j < blended.size(); j++) {
                    out.set(seg.first() + 1 + j, blended.get(j));
                }
            }
            double blendPerFrame = (System.nanoTime() - b0) * 1e-9 / Math.max(1, plan.inBetweenCount());
            results.add(new Result(c.name(), c.filter(), f0.width, f0.height, frames.size(), c.interval(), poisson,
                    evaluate(out, truth, plan, flows), warped, copied, synthPerFrame, blendPerFrame));
        }
        return results;
    }

    static List<FloatImage> decode(Case c) throws IOException {
        VideoReadOptions o = VideoReadOptions.DEFAULT.withRange(new FrameRange(c.first(), c.frames()))
                .withPreparation(new FramePreparation(c.crop(), c.resolution()));
        try (VideoSource src = VideoSource.open(c.video(), o)) {
            List<FloatImage> frames = src.readAll();
            if (frames.size() < 2) {
                throw new IOException(c.video() + " gave " + frames.size() + " frame(s) from " + c.first());
            }
            return frames;
        }
    }

    /**
     * Baseline outputs: each in-between frame from its nearest key (the earlier one on a tie), either copied or
     * carried along the chain of flows with bilinear warps (pixels arriving from outside the frame keep the previous
     * image's value, so the border does not turn black).
     */
    static List<FloatImage> baseline(PropagationPlan plan, List<FloatImage> truth, FrameFlows flows, boolean warp) {
        List<FloatImage> out = new ArrayList<>(truth);
        for (Segment seg : plan.segments()) {
            FloatImage fromFirst = truth.get(seg.first());
            for (int t = seg.first() + 1; t < seg.last(); t++) {
                if (warp) {
                    fromFirst = warpFilled(fromFirst, flows.step(t - 1, t));
                }
                if (t - seg.first() <= seg.last() - t) {
                    out.set(t, warp ? round(fromFirst) : truth.get(seg.first()));
                }
            }
            FloatImage fromLast = truth.get(seg.last());
            for (int t = seg.last() - 1; t > seg.first(); t--) {
                if (warp) {
                    fromLast = warpFilled(fromLast, flows.step(t + 1, t));
                }
                if (t - seg.first() > seg.last() - t) {
                    out.set(t, warp ? round(fromLast) : truth.get(seg.last()));
                }
            }
        }
        return out;
    }

    /** Bilinear warp; the share of a pixel's weight that fell outside the source comes from {@code img} itself. */
    static FloatImage warpFilled(FloatImage img, FrameFlows.Step step) {
        FloatImage warped = Warp.bilinear(img, step.flow());
        FloatImage inside = Warp.bilinear(new FloatImage(img.width, img.height, 1).filled(1), step.flow());
        int c = img.channels;
        for (int p = 0; p < img.width * img.height; p++) {
            float missing = 1 - inside.data[p];
            for (int k = 0; k < c; k++) {
                warped.data[p * c + k] += missing * img.data[p * c + k];
            }
        }
        return warped;
    }

    static Metrics evaluate(List<FloatImage> out, List<FloatImage> truth, PropagationPlan plan, FrameFlows flows) {
        double psnrNear = 0, ssimNear = 0, psnrMid = 0, ssimMid = 0;
        int near = 0, mid = 0;
        for (Segment seg : plan.segments()) {
            for (int t = seg.first() + 1; t < seg.last(); t++) {
                double p = Math.min(ImageMetrics.psnr(out.get(t), truth.get(t)), 100);
                double s = ImageMetrics.ssim(out.get(t), truth.get(t));
                if (t - seg.first() == 1 || seg.last() - t == 1) {
                    psnrNear += p;
                    ssimNear += s;
                    near++;
                } else {
                    psnrMid += p;
                    ssimMid += s;
                    mid++;
                }
            }
        }
        double tOut = 0, tTruth = 0;
        for (int t = 0; t + 1 < out.size(); t++) {
            FrameFlows.Step step = flows.step(t, t + 1);
            tOut += ImageMetrics.temporalError(out.get(t), out.get(t + 1), step);
            tTruth += ImageMetrics.temporalError(truth.get(t), truth.get(t + 1), step);
        }
        return new Metrics(near == 0 ? Double.NaN : psnrNear / near, near == 0 ? Double.NaN : ssimNear / near,
                mid == 0 ? Double.NaN : psnrMid / mid, mid == 0 ? Double.NaN : ssimMid / mid,
                tTruth == 0 ? Double.NaN : tOut / tTruth, near, mid);
    }

    private static FloatImage round(FloatImage img) {
        FloatImage out = new FloatImage(img.width, img.height, img.channels);
        for (int i = 0; i < out.data.length; i++) {
            out.data[i] = FloatImage.to8(img.data[i]);
        }
        return out;
    }
}
