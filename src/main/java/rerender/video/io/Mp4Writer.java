// Writes frames to an H.264 mp4 (libx264, yuv420p, CRF) with the input's audio, published atomically on finish().
package rerender.video.io;

import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;
import rerender.video.FloatImage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_H264;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_RGB24;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P;

/**
 * Usage:
 * <pre>
 * try (Mp4Writer w = Mp4Writer.open(out, width, height, info.frameRate(), Mp4Settings.DEFAULT, audioOrNull)) {
 *     for (FloatImage f : frames) w.write(f);
 *     w.finish();   // encodes the tail, muxes the audio, renames the temporary file onto `out`
 * }                 // close() without finish() discards the temporary file and leaves `out` untouched
 * </pre>
 * Frames are RGB float 0..255 (rounded and clamped to 8 bits). yuv420p needs even sizes: an odd width or height is
 * padded by one replicated column or row (the output is then one pixel larger than the frames).
 * Audio: AAC is copied packet by packet; any other codec is re-encoded to AAC (192 kb/s). A source without audio
 * is accepted (the output simply has none).
 */
public final class Mp4Writer implements AutoCloseable {
    private final Path output;
    private final Path tmpVideo;
    private final int width;
    private final int height;
    private final int encWidth;
    private final int encHeight;
    private final AudioTrack audio;
    private final FFmpegFrameRecorder recorder;
    private final Frame frame;
    private int written;
    private boolean finished;
    private boolean closed;

    private Mp4Writer(Path output, Path tmpVideo, int width, int height, AudioTrack audio, FFmpegFrameRecorder recorder) {
        this.output = output;
        this.tmpVideo = tmpVideo;
        this.width = width;
        this.height = height;
        this.encWidth = width + (width & 1);
        this.encHeight = height + (height & 1);
        this.audio = audio;
        this.recorder = recorder;
        this.frame = new Frame(encWidth, encHeight, Frame.DEPTH_UBYTE, 3);
    }

    /**
     * @param output    the .mp4 to create (replaced on finish() if it exists; never touched before)
     * @param frameRate exact output frame rate (normally the input's)
     * @param audio     the audio to carry over, or null for none
     */
    public static Mp4Writer open(Path output, int width, int height, Rational frameRate, Mp4Settings settings,
                                 AudioTrack audio) throws IOException {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("bad video size " + width + "x" + height + " for " + output);
        }
        Path tmp = temporaryBeside(output, ".video.mp4");
        FFmpegFrameRecorder r = new FFmpegFrameRecorder(tmp.toFile(), width + (width & 1), height + (height & 1), 0);
        r.setFormat("mp4");
        r.setVideoCodec(AV_CODEC_ID_H264);
        r.setPixelFormat(AV_PIX_FMT_YUV420P);
        r.setFrameRate(frameRate.value()); // javacv turns it back into a fraction with av_d2q: 30000/1001 stays exact
        r.setVideoBitrate(0); // rate control by CRF only
        r.setVideoOption("crf", Integer.toString(settings.crf()));
        r.setVideoOption("preset", settings.preset());
        try {
            r.start();
        } catch (Exception e) {
            releaseQuietly(r);
            Files.deleteIfExists(tmp);
            throw new IOException("cannot start H.264 encoder for " + output + ": " + FfmpegVideoSource.oneLine(e), e);
        }
        return new Mp4Writer(output, tmp, width, height, audio, r);
    }

    /** A fresh temporary file in the output's folder (same file system, so the final rename is atomic). */
    static Path temporaryBeside(Path output, String suffix) throws IOException {
        if (Files.isDirectory(output)) {
            throw new IOException("output path is a directory: " + output);
        }
        Path dir = output.toAbsolutePath().getParent();
        try {
            Files.createDirectories(dir);
            return Files.createTempFile(dir, "." + output.getFileName() + ".", suffix, FloatImage.PUBLIC_FILE);
        } catch (IOException e) {
            throw new IOException("cannot write to the output folder " + dir + " (for " + output + "): " + e, e);
        }
    }

    /** Encodes one frame (RGB, 0..255, the size given to open()). */
    public void write(FloatImage img) throws IOException {
        if (finished || closed) {
            throw new IllegalStateException("writer for " + output + " is already finished");
        }
        if (img.width != width || img.height != height || img.channels != 3) {
            throw new IllegalArgumentException("frame " + written + " is " + img.width + "x" + img.height + "x"
                    + img.channels + ", the video is " + width + "x" + height + "x3 (" + output + ")");
        }
        ByteBuffer buf = (ByteBuffer) frame.image[0];
        int stride = frame.imageStride;
        byte[] row = new byte[encWidth * 3];
        for (int y = 0; y < encHeight; y++) {
            int sy = Math.min(y, height - 1);
            for (int x = 0; x < encWidth; x++) {
                int sx = Math.min(x, width - 1), i = (sy * width + sx) * 3;
                row[x * 3] = (byte) FloatImage.to8(img.data[i]);
                row[x * 3 + 1] = (byte) FloatImage.to8(img.data[i + 1]);
                row[x * 3 + 2] = (byte) FloatImage.to8(img.data[i + 2]);
            }
            buf.position(y * stride);
            buf.put(row);
        }
        buf.position(0);
        try {
            recorder.record(frame, AV_PIX_FMT_RGB24);
        } catch (Exception e) {
            throw new IOException("cannot encode frame " + written + " of " + output + ": " + FfmpegVideoSource.oneLine(e), e);
        }
        written++;
    }

    public int framesWritten() {
        return written;
    }

    /** Flushes the encoder, adds the audio and atomically replaces {@code output}. */
    public void finish() throws IOException {
        if (finished || closed) {
            throw new IllegalStateException("writer for " + output + " is already finished");
        }
        if (written == 0) {
            throw new IOException("no frames were written to " + output);
        }
        try {
            recorder.stop();
            recorder.release();
        } catch (Exception e) {
            throw new IOException("cannot finish H.264 stream of " + output + ": " + FfmpegVideoSource.oneLine(e), e);
        }
        finished = true;
        Path result = tmpVideo;
        Path tmpAudio = null;
        Path tmpMuxed = null;
        try {
            String codec = audio == null ? "" : audioCodecOf(audio.source());
            if (!codec.isEmpty()) {
                Path audioFile = audio.source();
                AudioTrack span = audio;
                if (!AudioTranscoder.MP4_COPY_CODECS.contains(codec)) {
                    tmpAudio = temporaryBeside(output, ".audio.m4a");
                    AudioTranscoder.toAac(audio, tmpAudio);
                    audioFile = tmpAudio;
                    span = new AudioTrack(tmpAudio, 0, Double.POSITIVE_INFINITY); // already cut to the span
                }
                tmpMuxed = temporaryBeside(output, ".mp4");
                AudioMuxer.mux(tmpVideo, new AudioTrack(audioFile, span.startSeconds(), span.durationSeconds()), tmpMuxed);
                result = tmpMuxed;
            }
            publish(result, output);
        } finally {
            Files.deleteIfExists(tmpVideo);
            if (tmpAudio != null) {
                Files.deleteIfExists(tmpAudio);
            }
            if (tmpMuxed != null) {
                Files.deleteIfExists(tmpMuxed);
            }
        }
    }

    private static String audioCodecOf(Path source) throws IOException {
        FfmpegVideoSource.checkReadableFile(source);
        org.bytedeco.javacv.FFmpegFrameGrabber g = new org.bytedeco.javacv.FFmpegFrameGrabber(source.toFile());
        try {
            g.start();
            String name = g.getAudioCodecName();
            return g.hasAudio() && name != null ? name : "";
        } catch (Exception e) {
            throw new IOException("cannot open audio source " + source + ": " + FfmpegVideoSource.oneLine(e), e);
        } finally {
            FfmpegVideoSource.releaseQuietly(g);
        }
    }

    /** Atomic rename onto the target (falls back to a plain replace where the file system cannot). */
    static void publish(Path tmp, Path target) throws IOException {
        try {
            rerender.files.AtomicFiles.publish(tmp, target);
        } catch (IOException e) {
            throw new IOException("cannot move the finished video onto " + target + ": " + e, e);
        }
    }

    /** Discards the temporary file unless finish() succeeded; the output path is never touched here. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        if (!finished) {
            releaseQuietly(recorder);
        }
        Files.deleteIfExists(tmpVideo);
    }

    private static void releaseQuietly(FFmpegFrameRecorder r) {
        try {
            r.release();
        } catch (Exception ignored) {
            // nothing more to do with a failed encoder
        }
    }
}
