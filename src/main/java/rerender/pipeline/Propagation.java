// Full video translation, stage 2 of Rerender (SPEC §5): decode and prepare the frames, load the stylised keys,
// compute flows (cached), fill every segment between neighbouring keys (in parallel, resumable), assemble the
// output video (with the input's audio) and optionally the frames as PNGs.
package rerender.pipeline;

import rerender.video.FloatImage;
import rerender.video.flow.DisFlow;
import rerender.video.flow.FlowCache;
import rerender.video.flow.FlowEstimator;
import rerender.video.io.AudioTrack;
import rerender.video.io.Mp4Writer;
import rerender.video.io.VideoInfo;
import rerender.video.io.VideoReadOptions;
import rerender.video.io.VideoSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Usage: {@code new Propagation(DisFlow.DEFAULT).run(job, listener)}. Every check of the inputs and outputs runs
 * before any heavy work; every file is published atomically, so a failed run leaves earlier results untouched.
 */
public final class Propagation {
    /** Bumped when the algorithm changes in a way that invalidates stored segments. */
    static final String VERSION = "propagation-1";

    private final FlowEstimator flowEstimator;

    public Propagation(FlowEstimator flowEstimator) {
        this.flowEstimator = flowEstimator;
    }

    public Propagation() {
        this(DisFlow.DEFAULT);
    }

    /**
     * @param video     input video file or folder of numbered frames
     * @param keysDir   stylised key frames named %04d.png / .jpg by frame index
     * @param output    the .mp4 to write
     * @param framesOut folder for every output frame as %04d.png, or null
     * @param workDir   folder for flows and finished segments (resume state)
     */
    public record Job(Path video, Path keysDir, KeySchedule keys, Path output, Path framesOut, Path workDir,
                      PropagationSettings settings) {
        public Job {
            if (video == null || keysDir == null || keys == null || output == null || workDir == null
                    || settings == null) {
                throw new IllegalArgumentException("video, keys, output, work dir and settings are required");
            }
        }
    }

    /** What a run did. */
    public record Report(Path output, Path framesOut, int frameCount, int width, int height, PropagationPlan plan,
                         int segmentsComputed, int segmentsReused, SegmentPropagator.Timings timings,
                         double seconds) {
    }

    /** The decoded, prepared input and its stylised keys. */
    record Inputs(VideoInfo info, List<FloatImage> frames, PropagationPlan plan, Map<Integer, FloatImage> keys) {
    }

    public Report run(Job job, ProgressListener progress) throws IOException {
        long start = System.nanoTime();
        OutputTargets.checkVideo(job.output());
        if (job.framesOut() != null) {
            OutputTargets.checkFrameFolder(job.framesOut());
        }
        Inputs in = load(job, progress);
        int threads = job.settings().threads();
        ExecutorService pool = threads > 1 ? Executors.newFixedThreadPool(threads) : null;
        try {
            progress.info("optical flow for " + (in.frames().size() - 1) + " frame pairs");
            // one pair at a time: concurrent DisFlow calls crashed inside OpenCV's DIS (native SIGSEGV), and
            // DIS parallelises internally anyway
            FrameFlows flows = FrameFlows.compute(in.frames(), new FlowCache(job.workDir().resolve("flows"),
                    flowEstimator), null);
            SegmentRuns runs = new SegmentRuns(in, flows, job.settings(), new SegmentStore(
                    job.workDir().resolve("segments")), flowEstimator.id());
            List<FloatImage> out = runs.runAll(pool, progress);
            writeOutputs(job, in, out);
            return new Report(job.output(), job.framesOut(), out.size(), out.getFirst().width, out.getFirst().height,
                    in.plan(), runs.computed(), runs.reused(), runs.timings(), (System.nanoTime() - start) * 1e-9);
        } finally {
            if (pool != null) {
                pool.shutdownNow();
            }
            progress.end();
        }
    }

    /** Validates and reads the inputs: cheap checks (plan, key files) before decoding the whole video. */
    static Inputs load(Job job, ProgressListener progress) throws IOException {
        VideoReadOptions options = new VideoReadOptions(job.settings().range(), job.settings().preparation(),
                VideoReadOptions.DEFAULT_FOLDER_RATE);
        List<FloatImage> frames;
        VideoInfo info;
        try (VideoSource src = VideoSource.open(job.video(), options)) {
            info = src.info();
            int count = src.frameCount();
            if (count < 2) {
                throw new IOException("video " + job.video() + " has " + count + " frame(s) in the selected range;"
                        + " propagation needs at least 2");
            }
            PropagationPlan plan = job.keys().plan(count, job.keysDir());
            KeyImages.requireAll(job.keysDir(), plan);
            progress.info("decoding " + count + " frames of " + job.video());
            frames = src.readAll();
        }
        if (frames.size() < 2) {
            throw new IOException("video " + job.video() + " decoded to " + frames.size() + " frame(s)");
        }
        // the plan from the decoded count: a container's frame count can be an estimate
        PropagationPlan plan = job.keys().plan(frames.size(), job.keysDir());
        FloatImage f0 = frames.getFirst();
        Map<Integer, FloatImage> keys = KeyImages.load(job.keysDir(), plan, f0.width, f0.height, progress::warn);
        return new Inputs(info, frames, plan, keys);
    }

    /** mp4 first (published atomically by its writer), then the frame folder (swapped in as a whole). */
    static void writeOutputs(Job job, Inputs in, List<FloatImage> out) throws IOException {
        FloatImage f0 = out.getFirst();
        AudioTrack audio = in.info().hasAudio() ? AudioTrack.forFrames(in.info(), job.settings().range()) : null;
        try (Mp4Writer w = Mp4Writer.open(job.output(), f0.width, f0.height, in.info().frameRate(),
                job.settings().mp4(), audio)) {
            for (FloatImage f : out) {
                w.write(f);
            }
            w.finish();
        }
        if (job.framesOut() != null) {
            OutputTargets.publishFrames(job.framesOut(), out);
        }
    }

    /** Runs (or reuses) every segment and assembles all output frames in order. */
    static final class SegmentRuns {
        private final Inputs in;
        private final PropagationSettings settings;
        private final SegmentStore store;
        private final SegmentPropagator propagator;
        private final String flowId;
        private int computed;
        private int reused;
        private double synthSeconds, blendSeconds;

        SegmentRuns(Inputs in, FrameFlows flows, PropagationSettings settings, SegmentStore store, String flowId) {
            this.in = in;
            this.settings = settings;
            this.store = store;
            this.flowId = flowId;
            this.propagator = new SegmentPropagator(in.frames(), flows, settings);
        }

        List<FloatImage> runAll(ExecutorService pool, ProgressListener progress) throws IOException {
            List<Segment> segments = in.plan().segments();
            progress.begin(2L * in.plan().inBetweenCount());
            int workers = Math.min(settings.threads(), segments.size());
            // segments run side by side; threads left over go to the synthesis inside each segment
            ExecutorService segmentPool = workers > 1 ? Executors.newFixedThreadPool(workers) : null;
            ExecutorService synthPool = settings.threads() > workers ? pool : null;
            try {
                List<Future<List<FloatImage>>> futures = new ArrayList<>();
                List<List<FloatImage>> results = new ArrayList<>();
                for (Segment seg : segments) {
                    if (segmentPool == null) {
                        results.add(runOne(seg, synthPool, progress));
                    } else {
                        futures.add(segmentPool.submit(() -> runOne(seg, synthPool, progress)));
                    }
                }
                for (Future<List<FloatImage>> f : futures) {
                    results.add(await(f));
                }
                return assemble(segments, results);
            } finally {
                if (segmentPool != null) {
                    segmentPool.shutdownNow();
                }
            }
        }

        private List<FloatImage> runOne(Segment seg, ExecutorService synthPool, ProgressListener progress)
                throws IOException {
            String hash = inputsHash(seg);
            var stored = store.reuse(seg, hash);
            if (stored.isPresent()) {
                progress.advance(2L * seg.inBetweenCount());
                progress.segmentReused(seg);
                count(null, true);
                return stored.get();
            }
            SegmentPropagator.Result r = propagator.propagate(seg, in.keys().get(seg.first()),
                    in.keys().get(seg.last()), synthPool, progress);
            store.save(seg, hash, r.frames());
            progress.segmentComputed(seg);
            count(r.timings(), false);
            return r.frames();
        }

        private synchronized void count(SegmentPropagator.Timings t, boolean wasReused) {
            if (wasReused) {
                reused++;
                return;
            }
            computed++;
            synthSeconds += t.synthesisSeconds();
            blendSeconds += t.blendSeconds();
        }

        /** Everything a segment's frames depend on: version, settings, flow method, its input frames and keys. */
        private String inputsHash(Segment seg) {
            Hashes h = new Hashes().add(VERSION).add(settings.resultFingerprint()).add(flowId)
                    .add(seg.name());
            for (int t = seg.first(); t <= seg.last(); t++) {
                h.add(in.frames().get(t));
            }
            return h.add(SegmentPropagator.rounded(in.keys().get(seg.first())))
                    .add(SegmentPropagator.rounded(in.keys().get(seg.last()))).hex();
        }

        /** Keys (rounded to 8 bits, as they are written) at their positions, segment frames between them. */
        private List<FloatImage> assemble(List<Segment> segments, List<List<FloatImage>> results) {
            List<FloatImage> out = new ArrayList<>(in.plan().frameCount());
            for (int i = 0; i < segments.size(); i++) {
                out.add(SegmentPropagator.rounded(in.keys().get(segments.get(i).first())));
                out.addAll(results.get(i));
            }
            out.add(SegmentPropagator.rounded(in.keys().get(segments.getLast().last())));
            return out;
        }

        int computed() {
            return computed;
        }

        int reused() {
            return reused;
        }

        SegmentPropagator.Timings timings() {
            return new SegmentPropagator.Timings(synthSeconds, blendSeconds);
        }

        private static <T> T await(Future<T> f) throws IOException {
            try {
                return f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while propagating", e);
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                if (c instanceof IOException io) {
                    throw io;
                }
                if (c instanceof UncheckedIOException u) {
                    throw u.getCause();
                }
                if (c instanceof RuntimeException r) {
                    throw r;
                }
                throw new IOException("segment failed: " + c, c);
            }
        }
    }
}
