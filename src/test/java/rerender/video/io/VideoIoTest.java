// Video in/out: mp4 round trip, exact frame rates, audio carried over (copied or re-encoded), errors, frame folders.
package rerender.video.io;

import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rerender.video.FloatImage;

import java.io.IOException;
import java.nio.ShortBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.bytedeco.ffmpeg.global.avutil.AV_SAMPLE_FMT_S16;
import static org.junit.jupiter.api.Assertions.*;

class VideoIoTest {
    @TempDir
    Path dir;

    static double psnr(FloatImage a, FloatImage b) {
        double se = 0;
        for (int i = 0; i < a.data.length; i++) {
            double d = FloatImage.to8(a.data[i]) - FloatImage.to8(b.data[i]);
            se += d * d;
        }
        return 10 * Math.log10(255.0 * 255.0 / (se / a.data.length));
    }

    static List<FloatImage> readAll(Path p, VideoReadOptions o) throws IOException {
        try (VideoSource s = VideoSource.open(p, o)) {
            return s.readAll();
        }
    }

    static final VideoReadOptions RAW = VideoReadOptions.DEFAULT.withPreparation(FramePreparation.NONE);

    private Path writeMp4(String name, List<FloatImage> frames, Rational fps, AudioTrack audio) throws IOException {
        Path out = dir.resolve(name);
        try (Mp4Writer w = Mp4Writer.open(out, frames.get(0).width, frames.get(0).height, fps, Mp4Settings.DEFAULT, audio)) {
            for (FloatImage f : frames) {
                w.write(f);
            }
            w.finish();
        }
        return out;
    }

    @Test
    void mp4RoundTripKeepsFramesRateAndPixels() throws IOException {
        List<FloatImage> frames = SyntheticClips.frames(64, 64, 8);
        Path out = writeMp4("rt.mp4", frames, Rational.of(25, 1), null);
        try (VideoSource s = VideoSource.open(out, RAW)) {
            assertEquals(Rational.of(25, 1), s.info().frameRate());
            assertEquals(8, s.info().frameCount());
            assertFalse(s.info().hasAudio());
            List<FloatImage> back = s.readAll();
            assertEquals(8, back.size());
            for (int t = 0; t < 8; t++) {
                double p = psnr(frames.get(t), back.get(t));
                // saturated 16 px square edges lose some colour to 4:2:0 chroma subsampling; ~31 dB at CRF 18
                assertTrue(p > 29, "frame " + t + " PSNR " + p);
            }
        }
        try (var files = Files.list(dir)) {
            assertEquals(List.of(out), files.toList(), "temporary files must be gone");
        }
    }

    @Test
    void flatColoursSurviveLosslessEncodingWithoutColourShift() throws IOException {
        // With CRF 0 only the RGB -> YUV -> RGB conversion remains: flat colours must come back within rounding,
        // which fails if the encoder and the decoder disagree on the colour matrix or range.
        float[][] colours = {{200, 30, 60}, {20, 180, 90}, {128, 128, 128}, {250, 240, 10}};
        List<FloatImage> frames = new java.util.ArrayList<>();
        for (float[] c : colours) {
            FloatImage f = new FloatImage(32, 32, 3);
            for (int i = 0; i < f.data.length; i++) {
                f.data[i] = c[i % 3];
            }
            frames.add(f);
        }
        Path out = dir.resolve("flat.mp4");
        try (Mp4Writer w = Mp4Writer.open(out, 32, 32, Rational.of(25, 1), new Mp4Settings(0, "ultrafast"), null)) {
            for (FloatImage f : frames) {
                w.write(f);
            }
            w.finish();
        }
        List<FloatImage> back = readAll(out, RAW);
        for (int t = 0; t < frames.size(); t++) {
            for (int i = 0; i < frames.get(t).data.length; i++) {
                assertEquals(frames.get(t).data[i], back.get(t).data[i], 3f, "frame " + t + " value " + i);
            }
        }
    }

    @Test
    void ntscFrameRateStaysExactAndOddSizesArePadded() throws IOException {
        List<FloatImage> frames = SyntheticClips.frames(33, 21, 4);
        Path out = writeMp4("ntsc.mp4", frames, Rational.of(30000, 1001), null);
        VideoInfo info = VideoSource.probe(out, null);
        assertEquals(Rational.of(30000, 1001), info.frameRate());
        assertEquals(34, info.width());
        assertEquals(22, info.height());
        assertEquals(4, info.frameCount());
    }

    @Test
    void frameRangeSelectsTheSameFramesAsAFullRead() throws IOException {
        Path out = writeMp4("range.mp4", SyntheticClips.frames(64, 48, 8), Rational.of(25, 1), null);
        List<FloatImage> all = readAll(out, RAW);
        List<FloatImage> part = readAll(out, RAW.withRange(new FrameRange(3, 2)));
        assertEquals(2, part.size());
        assertArrayEquals(all.get(3).data, part.get(0).data);
        assertArrayEquals(all.get(4).data, part.get(1).data);
        assertEquals(3, readAll(out, RAW.withRange(new FrameRange(5, 100))).size());
    }

    // ---- audio -------------------------------------------------------------------------------------------------

    /** Mono samples (channels averaged) of the first audio stream, and its sample rate. */
    record Pcm(double[] samples, int rate) {
        double seconds() {
            return samples.length / (double) rate;
        }
    }

    static Pcm decodeAudio(Path p) throws Exception {
        try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(p.toFile())) {
            g.setSampleFormat(AV_SAMPLE_FMT_S16);
            g.start();
            assertTrue(g.hasAudio(), "no audio in " + p);
            java.util.ArrayList<Double> out = new java.util.ArrayList<>();
            for (Frame f; (f = g.grabSamples()) != null; ) {
                ShortBuffer b = (ShortBuffer) f.samples[0];
                int ch = f.audioChannels;
                for (int i = b.position(); i + ch <= b.limit(); i += ch) {
                    double s = 0;
                    for (int c = 0; c < ch; c++) {
                        s += b.get(i + c);
                    }
                    out.add(s / ch);
                }
            }
            return new Pcm(out.stream().mapToDouble(Double::doubleValue).toArray(), g.getSampleRate());
        }
    }

    /** Goertzel filter: amplitude of frequency hz in the middle second of the signal (0..32767 scale). */
    static double toneAmplitude(Pcm pcm, double hz) {
        int n = Math.min(pcm.rate, pcm.samples.length / 2);
        int from = (pcm.samples.length - n) / 2;
        double w = 2 * Math.PI * hz / pcm.rate, coeff = 2 * Math.cos(w), s1 = 0, s2 = 0;
        for (int i = 0; i < n; i++) {
            double s = pcm.samples[from + i] + coeff * s1 - s2;
            s2 = s1;
            s1 = s;
        }
        double power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
        return 2 * Math.sqrt(Math.max(0, power)) / n;
    }

    private void assertToneCarried(Path input, String outName) throws Exception {
        VideoInfo info = VideoSource.probe(input, null);
        assertTrue(info.hasAudio());
        List<FloatImage> frames = readAll(input, RAW);
        Path out = writeMp4(outName, frames, info.frameRate(), AudioTrack.forFrames(info, FrameRange.EVERYTHING));
        VideoInfo outInfo = VideoSource.probe(out, null);
        assertTrue(outInfo.hasAudio(), "output lost its audio");
        assertEquals("aac", outInfo.audioCodec());
        assertEquals(50, outInfo.frameCount());
        Pcm pcm = decodeAudio(out);
        assertEquals(2.0, pcm.seconds(), 0.1, "audio duration");
        double tone = toneAmplitude(pcm, 440), other = toneAmplitude(pcm, 1000);
        assertEquals(12000, tone, 1500, "440 Hz amplitude");
        assertTrue(other < 300, "1 kHz leak " + other);
    }

    @Test
    void aacAudioIsCopiedIntoTheOutput() throws Exception {
        Path in = dir.resolve("tone.mp4");
        SyntheticClips.writeWithTone(in, "mp4", 64, 64, 50, 25, 440, SyntheticClips.aac());
        assertToneCarried(in, "tone-out.mp4");
    }

    @Test
    void otherAudioCodecsAreReencodedToAac() throws Exception {
        Path in = dir.resolve("tone.mkv");
        SyntheticClips.writeWithTone(in, "matroska", 64, 64, 50, 25, 440, SyntheticClips.mp2());
        assertEquals("mp2", VideoSource.probe(in, null).audioCodec());
        assertToneCarried(in, "tone-mkv-out.mp4");
    }

    @Test
    void audioSpanFollowsTheFrameRange() throws Exception {
        Path in = dir.resolve("tone2.mp4");
        SyntheticClips.writeWithTone(in, "mp4", 64, 64, 50, 25, 440, SyntheticClips.aac());
        VideoInfo info = VideoSource.probe(in, null);
        FrameRange range = new FrameRange(10, 25); // 0.4 s .. 1.4 s
        Path out = writeMp4("span.mp4", readAll(in, RAW.withRange(range)), info.frameRate(),
                AudioTrack.forFrames(info, range));
        assertEquals(1.0, decodeAudio(out).seconds(), 0.08);
    }

    // ---- errors and atomicity ----------------------------------------------------------------------------------

    private static void assertOneLineErrorNaming(Path p, IOException e) {
        assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void missingTextAndTruncatedFilesGiveClearErrors() throws Exception {
        Path missing = dir.resolve("nope.mp4");
        assertOneLineErrorNaming(missing, assertThrows(IOException.class, () -> VideoSource.open(missing, RAW)));

        Path text = dir.resolve("text.mp4");
        Files.writeString(text, "this is not a video\n".repeat(50));
        assertOneLineErrorNaming(text, assertThrows(IOException.class, () -> VideoSource.open(text, RAW)));

        Path empty = dir.resolve("empty.mp4");
        Files.createFile(empty);
        assertOneLineErrorNaming(empty, assertThrows(IOException.class, () -> VideoSource.open(empty, RAW)));

        Path good = writeMp4("good.mp4", SyntheticClips.frames(64, 64, 8), Rational.of(25, 1), null);
        byte[] bytes = Files.readAllBytes(good);
        Path cut = dir.resolve("cut.mp4");
        Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        assertOneLineErrorNaming(cut, assertThrows(IOException.class, () -> readAll(cut, RAW)));
    }

    @Test
    void truncatedFastStartFileFailsWhenTheFramesRunOut() throws Exception {
        // moov first (faststart), then cut in the middle of the frame data: the container promises more frames
        Path in = dir.resolve("fs.mp4");
        try (org.bytedeco.javacv.FFmpegFrameRecorder r = new org.bytedeco.javacv.FFmpegFrameRecorder(in.toFile(), 64, 64, 0)) {
            r.setFormat("mp4");
            r.setVideoCodec(org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_H264);
            r.setFrameRate(25);
            r.setVideoOption("crf", "0");
            r.setOption("movflags", "faststart");
            r.start();
            org.bytedeco.javacv.Java2DFrameConverter conv = new org.bytedeco.javacv.Java2DFrameConverter();
            for (FloatImage f : SyntheticClips.frames(64, 64, 12)) {
                r.record(conv.convert(f.toBuffered()));
            }
            r.stop();
        }
        byte[] bytes = Files.readAllBytes(in);
        Path cut = dir.resolve("fs-cut.mp4");
        Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length * 2 / 3));
        assertOneLineErrorNaming(cut, assertThrows(IOException.class, () -> readAll(cut, RAW)));
    }

    @Test
    void videoWithoutFramesIsRejected() throws Exception {
        Path in = dir.resolve("noframes.mp4");
        try (org.bytedeco.javacv.FFmpegFrameRecorder r = new org.bytedeco.javacv.FFmpegFrameRecorder(in.toFile(), 64, 64, 0)) {
            r.setFormat("mp4");
            r.setVideoCodec(org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_H264);
            r.setFrameRate(25);
            r.start();
            r.stop();
        }
        assertOneLineErrorNaming(in, assertThrows(IOException.class, () -> readAll(in, RAW)));
    }

    @Test
    void outputThatIsADirectoryIsRejectedAndUnfinishedWritesKeepTheOldOutput() throws Exception {
        Path d = Files.createDirectory(dir.resolve("adir.mp4"));
        IOException e = assertThrows(IOException.class,
                () -> Mp4Writer.open(d, 64, 64, Rational.of(25, 1), Mp4Settings.DEFAULT, null));
        assertOneLineErrorNaming(d, e);

        Path out = writeMp4("keep.mp4", SyntheticClips.frames(64, 64, 3), Rational.of(25, 1), null);
        byte[] before = Files.readAllBytes(out);
        try (Mp4Writer w = Mp4Writer.open(out, 64, 64, Rational.of(25, 1), Mp4Settings.DEFAULT, null)) {
            w.write(SyntheticClips.frame(64, 64, 5));
            // interrupted: no finish()
        }
        assertArrayEquals(before, Files.readAllBytes(out));
        try (var files = Files.list(dir)) {
            assertEquals(2, files.count(), "only adir.mp4 and keep.mp4 remain");
        }
    }

    // ---- frame folders -----------------------------------------------------------------------------------------

    @Test
    void frameFolderIsSortedNumericallyAndPngWriterIsLossless() throws IOException {
        Path frames = dir.resolve("frames");
        Files.createDirectories(frames);
        int[] numbers = {10, 2, 1, 33};
        for (int n : numbers) {
            SyntheticClips.frame(40, 30, n).writePng(frames.resolve("f" + n + ".png"));
        }
        Files.writeString(frames.resolve("notes.txt"), "ignored");
        List<FloatImage> read = readAll(frames, RAW);
        assertEquals(4, read.size());
        int[] sorted = {1, 2, 10, 33};
        for (int i = 0; i < 4; i++) {
            assertArrayEquals(SyntheticClips.frame(40, 30, sorted[i]).data, read.get(i).data, 0.5f);
        }
        PngSequenceWriter w = new PngSequenceWriter(dir.resolve("out"));
        assertEquals("0007.png", w.write(7, read.get(0)).getFileName().toString());
        assertArrayEquals(read.get(0).data, FloatImage.read(w.pathOf(7)).data);
    }
}
