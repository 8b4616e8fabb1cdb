package rerender.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import rerender.video.FloatImage;
import rerender.video.io.Crop;
import rerender.video.io.FramePreparation;
import rerender.video.io.Mp4Settings;
import rerender.video.io.Mp4Writer;
import rerender.video.io.Rational;
import rerender.video.io.VideoReadOptions;
import rerender.video.io.VideoSource;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** End-to-end `rerender propagate` on a tiny synthetic clip (64x64, 9 frames, keys 0, 4, 8), run in-process. */
class PropagateCommandTest {
    static final int W = 64, H = 64, N = 9;

    @TempDir
    static Path dir;
    static Path clip, keys;
    static List<FloatImage> inputs;

    /** Frame t: smooth gradient with a striped 14x14 square moving 2 px right and 1 px down per frame. */
    static FloatImage frame(int t) {
        FloatImage img = new FloatImage(W, H, 3);
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                int sx = x - (20 + 2 * t), sy = y - (22 + t);
                boolean sq = sx >= 0 && sx < 14 && sy >= 0 && sy < 14;
                img.set(x, y, 0, sq ? (sx % 4 < 2 ? 220 : 150) : 40 + 2.5f * x);
                img.set(x, y, 1, sq ? 70 : 60 + 2f * y);
                img.set(x, y, 2, sq ? 40 : 110 + (x + y) % 7);
            }
        }
        return img;
    }

    /** A deterministic "stylisation": inverted, channels rotated, quantised to 8 levels. */
    static FloatImage style(FloatImage in) {
        FloatImage out = new FloatImage(in.width, in.height, 3);
        for (int p = 0; p < in.width * in.height; p++) {
            for (int c = 0; c < 3; c++) {
                float v = 255 - in.data[p * 3 + (c + 1) % 3];
                out.data[p * 3 + c] = Math.round(v / 32) * 32 + 8;
            }
        }
        return out;
    }

    @BeforeAll
    static void makeClipAndKeys() throws IOException {
        clip = dir.resolve("clip.mp4");
        try (Mp4Writer w = Mp4Writer.open(clip, W, H, Rational.of(25, 1), new Mp4Settings(0, "ultrafast"), null)) {
            for (int t = 0; t < N; t++) {
                w.write(frame(t));
            }
            w.finish();
        }
        try (VideoSource s = VideoSource.open(clip,
                VideoReadOptions.DEFAULT.withPreparation(new FramePreparation(Crop.NONE, 64)))) {
            inputs = s.readAll(); // what the pipeline sees (after H.264 + frame preparation)
        }
        keys = dir.resolve("keys");
        Files.createDirectories(keys);
        for (int k : new int[]{0, 4, 8}) {
            style(inputs.get(k)).writePng(keys.resolve(String.format("%04d.png", k)));
        }
    }

    record Run(int exit, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    static String[] args(Path video, Path keyDir, Path output, Path work, String... extra) {
        List<String> a = new ArrayList<>(List.of("propagate", "--video", video.toString(), "--keys", keyDir.toString(),
                "--output", output.toString(), "--work", work.toString(), "--resolution", "64", "--threads", "2",
                "--quiet"));
        a.addAll(Arrays.asList(extra));
        return a.toArray(String[]::new);
    }

    static double meanAbsDiff(FloatImage a, FloatImage b) {
        double s = 0;
        for (int i = 0; i < a.data.length; i++) {
            s += Math.abs(a.data[i] - b.data[i]);
        }
        return s / a.data.length;
    }

    @Test
    void propagatesResumesAndRecomputesTamperedSegments() throws IOException {
        Path out = dir.resolve("out.mp4"), frames = dir.resolve("frames"), work = dir.resolve("work");
        Run first = run(args(clip, keys, out, work, "--interval", "4", "--frames-out", frames.toString()));
        assertEquals(0, first.exit(), first.err());
        assertTrue(first.out().contains("2 segment(s) computed, 0 reused"), first.out());

        // the mp4 has every frame
        try (VideoSource s = VideoSource.open(out, VideoReadOptions.DEFAULT)) {
            assertEquals(N, s.readAll().size());
        }
        // key frames are the keys themselves, exactly (lossless PNG frames)
        List<FloatImage> result = new ArrayList<>();
        for (int t = 0; t < N; t++) {
            result.add(FloatImage.read(frames.resolve(String.format("%04d.png", t))));
        }
        for (int k : new int[]{0, 4, 8}) {
            assertArrayEquals(FloatImage.read(keys.resolve(String.format("%04d.png", k))).data, result.get(k).data);
        }
        // frames next to a key are close to the style applied to their own input (the answer the keys imply);
        // independent check: much closer than the unmoved neighbouring key is
        for (int t : new int[]{1, 3, 5, 7}) {
            FloatImage truth = style(inputs.get(t));
            int nearestKey = t % 4 == 1 ? t - 1 : t + 1;
            double d = meanAbsDiff(result.get(t), truth);
            assertTrue(d < 12, "frame " + t + " differs from the styled truth by " + d);
            assertTrue(d < meanAbsDiff(result.get(nearestKey), truth), "frame " + t + " not better than its key");
        }

        // resume: nothing recomputed, identical frames
        byte[][] before = readAll(frames);
        Run second = run(args(clip, keys, out, work, "--interval", "4", "--frames-out", frames.toString()));
        assertEquals(0, second.exit(), second.err());
        assertTrue(second.out().contains("0 segment(s) computed, 2 reused"), second.out());
        assertArrayEqualsDeep(before, readAll(frames));

        // a tampered segment frame fails verification: that segment alone is recomputed, same result
        Path tampered = work.resolve("segments/seg_0000_0004/0002.png");
        new FloatImage(W, H, 3).filled(77).writePng(tampered);
        Run third = run(args(clip, keys, out, work, "--interval", "4", "--frames-out", frames.toString()));
        assertEquals(0, third.exit(), third.err());
        assertTrue(third.out().contains("1 segment(s) computed, 1 reused"), third.out());
        assertArrayEqualsDeep(before, readAll(frames));
    }

    @Test
    void unevenAndAdjacentKeys() throws IOException {
        Path k = dir.resolve("k-uneven");
        Files.createDirectories(k);
        for (int key : new int[]{0, 3, 4, 8}) {
            style(inputs.get(key)).writePng(k.resolve(String.format("%04d.png", key)));
        }
        Path out = dir.resolve("uneven.mp4"), frames = dir.resolve("uneven-frames");
        Run r = run(args(clip, k, out, dir.resolve("uneven-work"), "--key-frames", "0,3,4,8", "--frames-out",
                frames.toString()));
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("3 segment(s) computed"), r.out());
        for (int key : new int[]{0, 3, 4, 8}) {
            assertArrayEquals(FloatImage.read(k.resolve(String.format("%04d.png", key))).data,
                    FloatImage.read(frames.resolve(String.format("%04d.png", key))).data);
        }
        assertEquals(N, readAll(frames).length);
    }

    private static byte[][] readAll(Path frames) throws IOException {
        byte[][] b = new byte[N][];
        for (int t = 0; t < N; t++) {
            b[t] = Files.readAllBytes(frames.resolve(String.format("%04d.png", t)));
        }
        return b;
    }

    private static void assertArrayEqualsDeep(byte[][] a, byte[][] b) {
        for (int i = 0; i < a.length; i++) {
            assertArrayEquals(a[i], b[i], "frame " + i + " differs");
        }
    }

    // ---- bad input: one line naming the problem, non-zero exit, earlier output untouched ----

    private static void assertFailsCleanly(String expected, Path video, Path keyDir, Path output, String... extra)
            throws IOException {
        Path existing = dir.resolve("existing.mp4");
        byte[] earlier = "an earlier result".getBytes();
        Files.write(existing, earlier);
        Path target = output == null ? existing : output;
        Run r = run(args(video, keyDir, target, dir.resolve("badwork"), extra));
        assertNotEquals(0, r.exit());
        String err = r.err().strip();
        assertEquals(1, err.lines().count(), "expected one line, got: " + err);
        assertTrue(err.contains(expected), "expected '" + expected + "' in: " + err);
        assertArrayEquals(earlier, Files.readAllBytes(existing));
    }

    private static Path keysWith(String name, int... frames) throws IOException {
        Path d = dir.resolve(name);
        Files.createDirectories(d);
        for (int k : frames) {
            Files.copy(keys.resolve("0000.png"), d.resolve(String.format("%04d.png", k)),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        return d;
    }

    @Test
    void missingKeyImageIsNamed() throws IOException {
        assertFailsCleanly("missing key image 0004", clip, keysWith("k-missing", 0, 8), null, "--interval", "4");
    }

    @Test
    void unreadableKeyImageIsNamed() throws IOException {
        Path d = keysWith("k-bad", 0, 8);
        Files.write(d.resolve("0004.png"), new byte[]{1, 2, 3, 4, 5});
        assertFailsCleanly("0004.png", clip, d, null, "--interval", "4");
    }

    @Test
    void noKeyAtFrameZero() throws IOException {
        assertFailsCleanly("frame 0 must be a key frame", clip, keysWith("k-nozero", 4, 8), null);
    }

    @Test
    void noKeyAtTheEnd() throws IOException {
        assertFailsCleanly("last frame 8 must be a key frame", clip, keysWith("k-noend", 0, 4), null);
        assertFailsCleanly("last frame 8 must be a key frame", clip, keys, null, "--key-frames", "0,4");
    }

    @Test
    void badVideos() throws IOException {
        assertFailsCleanly("nothing-here.mp4", dir.resolve("nothing-here.mp4"), keys, null, "--interval", "4");
        Path empty = dir.resolve("empty.mp4");
        Files.write(empty, new byte[0]);
        assertFailsCleanly("empty.mp4", empty, keys, null, "--interval", "4");
        Path corrupt = dir.resolve("corrupt.mp4");
        byte[] junk = new byte[4096];
        new java.util.Random(1).nextBytes(junk);
        Files.write(corrupt, junk);
        assertFailsCleanly("corrupt.mp4", corrupt, keys, null, "--interval", "4");
    }

    @Test
    void intervalBelowTwo() throws IOException {
        assertFailsCleanly("--interval must be at least 2", clip, keys, null, "--interval", "1");
    }

    @Test
    void outputThatIsADirectoryOrUnwritable() throws IOException {
        Path d = dir.resolve("an-output-dir");
        Files.createDirectories(d);
        assertFailsCleanly("is a directory", clip, keys, d, "--interval", "4");
        Path file = dir.resolve("plain-file");
        Files.write(file, new byte[]{1});
        assertFailsCleanly("is not a folder", clip, keys, file.resolve("out.mp4"), "--interval", "4");
    }

    @Test
    void keysOfAnotherAspectAreRefused() throws IOException {
        Path d = dir.resolve("k-aspect");
        Files.createDirectories(d);
        for (int k : new int[]{0, 4, 8}) {
            new FloatImage(64, 32, 3).writePng(d.resolve(String.format("%04d.png", k)));
        }
        assertFailsCleanly("another aspect ratio", clip, d, null, "--interval", "4");
    }
}
