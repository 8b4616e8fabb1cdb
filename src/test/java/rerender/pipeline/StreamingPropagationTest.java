package rerender.pipeline;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rerender.video.FloatImage;
import rerender.video.flow.DisFlow;
import rerender.video.flow.FlowCache;
import rerender.video.io.Crop;
import rerender.video.io.FramePreparation;
import rerender.video.io.VideoReadOptions;
import rerender.video.io.VideoSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The streaming run (frames, flows and results through the work folder) must give exactly what the in-memory
 * segment code gives on the whole video: all frames and flows in lists, every segment propagated, keys between.
 */
class StreamingPropagationTest {
    static final int W = 64, H = 64, N = 12;

    @TempDir
    static Path dir;
    static Path video, keys;
    static PropagationSettings settings;

    /** Frame t: gradient background, a striped 12x10 block moving 2 px right and 1 px down per frame. */
    static FloatImage frame(int t) {
        FloatImage img = new FloatImage(W, H, 3);
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                int sx = x - (10 + 2 * t), sy = y - (12 + t);
                boolean sq = sx >= 0 && sx < 12 && sy >= 0 && sy < 10;
                img.set(x, y, 0, sq ? (sx % 4 < 2 ? 230 : 140) : 30 + 3 * x);
                img.set(x, y, 1, sq ? 60 : 50 + 3 * y);
                img.set(x, y, 2, sq ? 30 : 100 + (x * 3 + y) % 11);
            }
        }
        return img;
    }

    static FloatImage style(FloatImage in) {
        FloatImage out = new FloatImage(in.width, in.height, 3);
        for (int p = 0; p < in.width * in.height; p++) {
            for (int c = 0; c < 3; c++) {
                out.data[p * 3 + c] = Math.round((255 - in.data[p * 3 + (c + 2) % 3]) / 40) * 40 + 5;
            }
        }
        return out;
    }

    @BeforeAll
    static void clip() throws IOException {
        video = dir.resolve("video");
        keys = dir.resolve("keys");
        Files.createDirectories(keys);
        for (int t = 0; t < N; t++) {
            frame(t).writePng(video.resolve(String.format("%04d.png", t)));
        }
        for (int k : new int[]{0, 3, 4, 9, 11}) {
            style(frame(k)).writePng(keys.resolve(String.format("%04d.png", k)));
        }
        settings = PropagationSettings.defaults().withPreparation(new FramePreparation(Crop.NONE, 64))
                .withThreads(2);
    }

    /** The in-memory computation: the whole video's frames and flows, each segment propagated, keys between. */
    static List<FloatImage> inMemory(PropagationPlan plan, Path flowDir) throws IOException {
        List<FloatImage> frames;
        try (VideoSource s = VideoSource.open(video, VideoReadOptions.DEFAULT.withPreparation(settings.preparation()))) {
            frames = s.readAll();
        }
        FrameFlows flows = FrameFlows.compute(frames, new FlowCache(flowDir, DisFlow.DEFAULT),
                null);
        Map<Integer, FloatImage> k = KeyImages.load(keys, plan, W, H, w -> { });
        SegmentPropagator p = new SegmentPropagator(frames, flows, settings);
        List<FloatImage> out = new ArrayList<>();
        for (Segment seg : plan.segments()) {
            out.add(SegmentPropagator.rounded(k.get(seg.first())));
            out.addAll(p.propagate(seg, k.get(seg.first()), k.get(seg.last()), null, ProgressListener.NONE).frames());
        }
        out.add(SegmentPropagator.rounded(k.get(plan.frameCount() - 1)));
        return out;
    }

    @Test
    void streamingRunEqualsTheInMemoryComputation() throws IOException {
        KeySchedule schedule = KeySchedule.at(0, 3, 4, 9, 11); // uneven, with two neighbouring keys
        Path framesOut = dir.resolve("frames"), work = dir.resolve("work");
        long[] units = {0, 0};
        ProgressListener counting = new ProgressListener() {
            @Override
            public void begin(long totalUnits) {
                units[0] = totalUnits;
            }

            @Override
            public synchronized void advance(long n) {
                units[1] += n;
            }
        };
        Propagation.Report r = new Propagation().run(new Propagation.Job(video, keys, schedule,
                dir.resolve("out.mp4"), framesOut, work, settings), counting);
        assertEquals(N, r.frameCount());
        assertEquals(4, r.segmentsComputed());
        assertEquals(2L * (N - 5), units[0]);
        assertEquals(units[0], units[1]);

        // flows estimated afresh (DIS is deterministic since its output buffer starts zeroed), not the run's cache
        List<FloatImage> expected = inMemory(schedule.plan(N, keys), dir.resolve("reference-flows"));
        assertEquals(N, expected.size());
        for (int t = 0; t < N; t++) {
            FloatImage got = FloatImage.read(framesOut.resolve(String.format("%04d.png", t)));
            assertEquals(W, got.width);
            assertArrayEquals(expected.get(t).data, got.data, "frame " + t + " differs from the in-memory result");
        }
        // the frame cache holds the prepared frames exactly
        FloatImage f5 = frame(5);
        byte[] cached = Files.readAllBytes(FrameStore.fileOf(work.resolve("frames"), 5));
        assertEquals(f5.data.length, cached.length);
        for (int i = 0; i < cached.length; i++) {
            assertEquals(f5.data[i], cached[i] & 255, "byte " + i);
        }

        // a re-run reuses every segment and writes the same frames
        Propagation.Report again = new Propagation().run(new Propagation.Job(video, keys, schedule,
                dir.resolve("out.mp4"), framesOut, work, settings), ProgressListener.NONE);
        assertEquals(0, again.segmentsComputed());
        assertEquals(4, again.segmentsReused());
        for (int t = 0; t < N; t++) {
            assertArrayEquals(expected.get(t).data,
                    FloatImage.read(framesOut.resolve(String.format("%04d.png", t))).data, "frame " + t);
        }
    }

    @Test
    void frameWindowGivesTheSameStepsAsTheWholeVideo() throws IOException {
        List<FloatImage> frames = new ArrayList<>();
        for (int t = 0; t < 6; t++) {
            frames.add(frame(t));
        }
        FlowCache cache = new FlowCache(dir.resolve("window-flows"), DisFlow.DEFAULT);
        FrameFlows whole = FrameFlows.compute(frames, cache, null);
        FrameFlows window = FrameFlows.compute(2, frames.subList(2, 5), cache, null);
        assertEquals(3, window.frameCount());
        for (int[] s : new int[][]{{2, 3}, {3, 2}, {3, 4}, {4, 3}}) {
            FrameFlows.Step a = whole.step(s[0], s[1]), b = window.step(s[0], s[1]);
            assertArrayEquals(a.occluded().data, b.occluded().data);
            assertArrayEquals(a.flow().data, b.flow().data, "step " + s[0] + "->" + s[1]);
        }
        assertThrows(IllegalArgumentException.class, () -> window.step(1, 2));
        assertThrows(IllegalArgumentException.class, () -> window.step(4, 5));
    }

    @Test
    void frameStoreRefusesValuesItCannotKeepExactly() {
        FloatImage f = new FloatImage(2, 1, 3);
        f.data[4] = 12.5f;
        assertThrows(IllegalStateException.class, () -> FrameStore.toBytes(f, 0));
        f.data[4] = 256;
        assertThrows(IllegalStateException.class, () -> FrameStore.toBytes(f, 0));
        f.data[4] = 255;
        assertEquals((byte) 255, FrameStore.toBytes(f, 0)[4]);
    }
}
