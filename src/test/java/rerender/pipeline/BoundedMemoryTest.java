package rerender.pipeline;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rerender.video.FloatImage;
import rerender.video.flow.DisFlow;
import rerender.video.io.Crop;
import rerender.video.io.FramePreparation;
import rerender.video.synth.SynthParams;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Propagation's heap is bounded by the segments in flight, not the video length: a 120-frame 128x128 clip runs in a
 * forked JVM with a 64 MB heap. Holding the whole video needs ~94 MB of data alone (frames 120 x 0.2 MB, flow pairs +
 * occlusions 119 x 0.39 MB, output frames 120 x 0.2 MB): the in-memory implementation ran out of heap here (in its
 * flow stage); the streaming one peaked at ~42 MB live after GC (measured with -Xlog:gc).
 * Synthesis and flow are set cheap (one level, one iteration; DIS ultrafast) so the run is short; memory per frame
 * is unchanged.
 */
class BoundedMemoryTest {
    static final int W = 128, H = 128, N = 120, INTERVAL = 6;
    static final String HEAP = "-Xmx64m";

    @TempDir
    Path dir;

    static FloatImage frame(int t) {
        FloatImage img = new FloatImage(W, H, 3);
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                int u = x - t, v = y - t / 2;
                img.set(x, y, 0, ((u >> 3) + (v >> 3) & 1) == 0 ? 200 : 60);
                img.set(x, y, 1, (x * 5 + y * 3 + t) % 256);
                img.set(x, y, 2, 128 + ((u * v) & 63));
            }
        }
        return img;
    }

    static FloatImage style(FloatImage in) {
        FloatImage out = new FloatImage(in.width, in.height, 3);
        for (int i = 0; i < out.data.length; i++) {
            out.data[i] = 255 - in.data[i - i % 3 + (i % 3 + 1) % 3];
        }
        return out;
    }

    static PropagationSettings cheapSettings() {
        return PropagationSettings.defaults().withPreparation(new FramePreparation(Crop.NONE, Math.min(W, H))).withThreads(2)
                .withSynth(SynthParams.defaults().withPyramidLevels(1).withIterations(1, 1));
    }

    /** The forked run: writes the clip and keys into folder args[0] (one frame at a time), then propagates. */
    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]), video = dir.resolve("video"), keys = dir.resolve("keys");
        Files.createDirectories(keys);
        for (int t = 0; t < N; t++) {
            FloatImage f = frame(t);
            f.writePng(video.resolve(String.format("%04d.png", t)));
            if (t % INTERVAL == 0 || t == N - 1) {
                style(f).writePng(keys.resolve(String.format("%04d.png", t)));
            }
        }
        Propagation.Report r = new Propagation(new DisFlow(DisFlow.Preset.ULTRAFAST)).run(new Propagation.Job(video, keys, KeySchedule.every(INTERVAL),
                dir.resolve("out.mp4"), null, dir.resolve("work"), cheapSettings()), ProgressListener.NONE);
        System.out.println("frames " + r.frameCount() + " computed " + r.segmentsComputed());
    }

    @Test
    void longClipRunsInASmallHeap() throws Exception {
        Path out = dir.resolve("out.mp4");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                HEAP, "-XX:+UseSerialGC", "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), BoundedMemoryTest.class.getName(), dir.toString()));
        Path log = dir.resolve("child.log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("forked propagation did not finish in 120 s");
        }
        String text = Files.readString(log);
        String tail = text.substring(Math.max(0, text.length() - 3000));
        assertEquals(0, p.exitValue(), "forked propagation with " + HEAP + " failed:\n" + tail);
        int segments = (N - 1 + INTERVAL - 1) / INTERVAL;
        assertTrue(text.contains("frames " + N + " computed " + segments), tail);
        assertTrue(Files.size(out) > 0);
    }
}
