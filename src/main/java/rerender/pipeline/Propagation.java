// Full video translation, stage 2 of Rerender (SPEC §5): decode and prepare the frames, load the stylised keys,
// compute flows (cached), fill every segment between neighbouring keys (in parallel, resumable), assemble the
// output video (with the input's audio) and optionally the frames as PNGs. Streams through the work directory:
// memory holds the segments in flight, never the whole video.
package rerender.pipeline;

import rerender.video.FloatImage;
import rerender.video.flow.DisFlow;
import rerender.video.flow.FlowCache;
import rerender.video.flow.FlowEstimator;
import rerender.video.flow.FlowPair;
import rerender.video.io.AudioTrack;
import rerender.video.io.Mp4Writer;
import rerender.video.io.VideoInfo;
import rerender.video.io.VideoReadOptions;
import rerender.video.io.VideoSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Usage: {@code new Propagation(DisFlow.DEFAULT).run(job, listener)}. Every check of the inputs and outputs runs
 * before any heavy work; every file is published atomically, so a failed run leaves earlier results untouched.
 * <p>
 * Work directory: frames/ (prepared input frames, {@link FrameStore}), flows/ ({@link FlowCache}), segments/
 * ({@link SegmentStore}). A segment task reads its frames k..k', keys and flows, writes its frames to the segment
 * store and keeps nothing; the output is then assembled frame by frame from the keys and the store.
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

    /** The decoded, prepared input (on disk) and where its stylised keys are. */
    record Inputs(VideoInfo info, FrameStore frames, PropagationPlan plan, Path keysDir) {
        /** Key k at the frame size (read again on each call: keys are not held). */
        FloatImage key(int k) throws IOException {
            return KeyImages.loadOne(keysDir, k, frames.width(), frames.height(), ignored -> {
            });
        }
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
            progress.info("optical flow for " + (in.frames().count() - 1) + " frame pairs");
            FlowCache flows = new FlowCache(job.workDir().resolve("flows"), new OneAtATime(flowEstimator));
            cacheFlows(in.frames(), flows);
            SegmentStore store = new SegmentStore(job.workDir().resolve("segments"));
            SegmentRuns runs = new SegmentRuns(in, flows, job.settings(), store, flowEstimator.id());
            runs.runAll(pool, progress);
            writeOutputs(job, in, store);
            return new Report(job.output(), job.framesOut(), in.plan().frameCount(), in.frames().width(),
                    in.frames().height(), in.plan(), runs.computed(), runs.reused(), runs.timings(),
                    (System.nanoTime() - start) * 1e-9);
        } finally {
            if (pool != null) {
                pool.shutdownNow();
            }
            progress.end();
        }
    }

    /**
     * Validates the inputs and decodes the frames into the work directory: cheap checks (plan, key files) before
     * decoding the whole video, every key read once (size and aspect checked, resize warnings) before any flow.
     */
    static Inputs load(Job job, ProgressListener progress) throws IOException {
        VideoReadOptions options = new VideoReadOptions(job.settings().range(), job.settings().preparation(),
                VideoReadOptions.DEFAULT_FOLDER_RATE);
        FrameStore frames;
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
            frames = FrameStore.decode(src, job.workDir().resolve("frames"));
        }
        if (frames.count() < 2) {
            throw new IOException("video " + job.video() + " decoded to " + frames.count() + " frame(s)");
        }
        // the plan from the decoded count: a container's frame count can be an estimate
        PropagationPlan plan = job.keys().plan(frames.count(), job.keysDir());
        KeyImages.requireAll(job.keysDir(), plan);
        for (int k : plan.keys()) {
            KeyImages.loadOne(job.keysDir(), k, frames.width(), frames.height(), progress::warn);
        }
        return new Inputs(info, frames, plan, job.keysDir());
    }

    /**
     * Fills the flow cache for every consecutive pair, two frames in memory at a time. One pair at a time:
     * concurrent DisFlow calls crashed inside OpenCV's DIS (native SIGSEGV), and DIS parallelises internally anyway.
     */
    static void cacheFlows(FrameStore frames, FlowCache cache) throws IOException {
        FloatImage a = frames.read(0);
        for (int t = 0; t + 1 < frames.count(); t++) {
            FloatImage b = frames.read(t + 1);
            cache.pair(t, t + 1, a, b);
            a = b;
        }
    }

    /**
     * Serialises estimates: segments running side by side read their flows through the cache and estimate again
     * only a pair whose file went bad, which must not run DIS concurrently (see {@link #cacheFlows}).
     */
    record OneAtATime(FlowEstimator estimator) implements FlowEstimator {
        @Override
        public synchronized FlowPair estimate(FloatImage a, FloatImage b) {
            return estimator.estimate(a, b);
        }

        @Override
        public String id() {
            return estimator.id();
        }
    }

    /**
     * Streams the output frames in order (keys rounded to 8 bits, as they are written; segment frames from the
     * store) into the mp4 and the staged frame folder. The mp4 is published by its writer, then the frame folder is
     * swapped in as a whole; a failure before that leaves both earlier outputs untouched.
     */
    static void writeOutputs(Job job, Inputs in, SegmentStore store) throws IOException {
        AudioTrack audio = in.info().hasAudio() ? AudioTrack.forFrames(in.info(), job.settings().range()) : null;
        try (OutputTargets.StagedFrames staged = job.framesOut() == null ? null
                : OutputTargets.stageFrames(job.framesOut())) {
            try (Mp4Writer w = Mp4Writer.open(job.output(), in.frames().width(), in.frames().height(),
                    in.info().frameRate(), job.settings().mp4(), audio)) {
                List<Segment> segments = in.plan().segments();
                for (Segment seg : segments) {
                    write(seg.first(), SegmentPropagator.rounded(in.key(seg.first())), w, staged);
                    for (int t = seg.first() + 1; t < seg.last(); t++) {
                        write(t, store.read(seg, t), w, staged);
                    }
                }
                int last = segments.getLast().last();
                write(last, SegmentPropagator.rounded(in.key(last)), w, staged);
                w.finish();
            }
            if (staged != null) {
                staged.publish();
            }
        }
    }

    private static void write(int t, FloatImage frame, Mp4Writer mp4, OutputTargets.StagedFrames staged)
            throws IOException {
        mp4.write(frame);
        if (staged != null) {
            staged.write(t, frame);
        }
    }

    /** Runs (or reuses) every segment, each from its own frames, keys and flows, into the segment store. */
    static final class SegmentRuns {
        private final Inputs in;
        private final FlowCache flows;
        private final PropagationSettings settings;
        private final SegmentStore store;
        private final String flowId;
        private int computed;
        private int reused;
        private double synthSeconds, blendSeconds;

        SegmentRuns(Inputs in, FlowCache flows, PropagationSettings settings, SegmentStore store, String flowId) {
            this.in = in;
            this.flows = flows;
            this.settings = settings;
            this.store = store;
            this.flowId = flowId;
        }

        void runAll(ExecutorService pool, ProgressListener progress) throws IOException {
            List<Segment> segments = in.plan().segments();
            progress.begin(2L * in.plan().inBetweenCount());
            int workers = Math.min(settings.threads(), segments.size());
            // segments run side by side; threads left over go to the synthesis inside each segment
            ExecutorService segmentPool = workers > 1 ? Executors.newFixedThreadPool(workers) : null;
            ExecutorService synthPool = settings.threads() > workers ? pool : null;
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (Segment seg : segments) {
                    if (segmentPool == null) {
                        runOne(seg, synthPool, progress);
                    } else {
                        futures.add(segmentPool.submit(() -> {
                            runOne(seg, synthPool, progress);
                            return null;
                        }));
                    }
                }
                for (Future<?> f : futures) {
                    Futures.await(f, "propagating");
                }
            } finally {
                if (segmentPool != null) {
                    segmentPool.shutdownNow();
                }
            }
        }

        /** Holds frames k..k', both keys and k'−k flow pairs while it runs; returns nothing. */
        private void runOne(Segment seg, ExecutorService synthPool, ProgressListener progress) throws IOException {
            List<FloatImage> frames = in.frames().read(seg.first(), seg.last());
            FloatImage firstKey = in.key(seg.first()), lastKey = in.key(seg.last());
            String hash = inputsHash(seg, frames, firstKey, lastKey);
            if (store.verify(seg, hash)) {
                progress.advance(2L * seg.inBetweenCount());
                progress.segmentReused(seg);
                count(null, true);
                return;
            }
            FrameFlows segmentFlows = FrameFlows.compute(seg.first(), frames, flows, null);
            SegmentPropagator.Result r = new SegmentPropagator(seg.first(), frames, segmentFlows, settings)
                    .propagate(seg, firstKey, lastKey, synthPool, progress);
            store.save(seg, hash, r.frames());
            progress.segmentComputed(seg);
            count(r.timings(), false);
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

        /**
         * Everything a segment's frames depend on: version, settings, flow method, its input frames k..k' and keys
         * (the same digest the in-memory implementation stored, so its work folders stay valid).
         */
        private String inputsHash(Segment seg, List<FloatImage> frames, FloatImage firstKey, FloatImage lastKey) {
            Hashes h = new Hashes().add(VERSION).add(settings.resultFingerprint()).add(flowId)
                    .add(seg.name());
            for (FloatImage f : frames) {
                h.add(f);
            }
            return h.add(SegmentPropagator.rounded(firstKey)).add(SegmentPropagator.rounded(lastKey)).hex();
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

    }
}
