// Decodes a video file with FFmpeg (javacv FFmpegFrameGrabber) into prepared RGB float frames.
package rerender.video.io;

import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.opencv.opencv_core.Mat;
import rerender.video.FloatImage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_VIDEO;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_RGB24;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;

final class FfmpegVideoSource implements VideoSource {
    private final Path path;
    private final FFmpegFrameGrabber grabber;
    private final VideoInfo info;
    private final VideoReadOptions options;
    private final int count;
    private final int[] frameSize;
    private int returned;
    private boolean skipped;

    private FfmpegVideoSource(Path path, FFmpegFrameGrabber grabber, VideoInfo info, VideoReadOptions options) {
        this.path = path;
        this.grabber = grabber;
        this.info = info;
        this.options = options;
        this.count = options.range().selectedFrom(info.frameCount());
        this.frameSize = options.preparation().outputSize(info.width(), info.height());
    }

    static FfmpegVideoSource open(Path path, VideoReadOptions options) throws IOException {
        checkReadableFile(path);
        FFmpegFrameGrabber grabber = startGrabber(path);
        try {
            VideoInfo info = readInfo(path, grabber);
            if (info.frameCount() == 0) {
                throw new IOException("video has no frames: " + path);
            }
            if (options.range().first() >= info.frameCount()) {
                throw new IOException("first frame " + options.range().first() + " is past the end of " + path
                        + " (" + info.frameCount() + " frames)");
            }
            options.preparation().outputSize(info.width(), info.height()); // validates the crop now
            return new FfmpegVideoSource(path, grabber, info, options);
        } catch (IOException | RuntimeException e) {
            releaseQuietly(grabber);
            if (e instanceof IllegalArgumentException) {
                throw new IOException(e.getMessage() + " (" + path + ")", e);
            }
            throw e;
        }
    }

    static void checkReadableFile(Path path) throws IOException {
        if (!Files.exists(path)) {
            throw new IOException("video file not found: " + path);
        }
        if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
            throw new IOException("not a readable file: " + path);
        }
        if (Files.size(path) == 0) {
            throw new IOException("video file is empty: " + path);
        }
    }

    static FFmpegFrameGrabber startGrabber(Path path) throws IOException {
        FFmpegFrameGrabber g = new FFmpegFrameGrabber(path.toFile());
        g.setPixelFormat(AV_PIX_FMT_RGB24);
        try {
            g.start();
        } catch (Exception e) {
            releaseQuietly(g);
            throw new IOException("cannot open video " + path + ": " + oneLine(e), e);
        }
        if (!g.hasVideo() || g.getImageWidth() <= 0 || g.getImageHeight() <= 0) {
            releaseQuietly(g);
            throw new IOException("no video stream in " + path);
        }
        return g;
    }

    private static VideoInfo readInfo(Path path, FFmpegFrameGrabber g) throws IOException {
        AVStream st = videoStream(g.getFormatContext());
        Rational rate = rateOf(st == null ? null : st.avg_frame_rate());
        if (rate == null) {
            rate = rateOf(st == null ? null : st.r_frame_rate());
        }
        if (rate == null) {
            double fps = g.getVideoFrameRate();
            if (!(fps > 0)) {
                throw new IOException("video has no frame rate: " + path);
            }
            rate = Rational.ofDouble(fps);
        }
        long declared = st == null ? 0 : st.nb_frames();
        int frames = declared > 0 ? (int) Math.min(declared, Integer.MAX_VALUE) : countVideoPackets(path);
        return new VideoInfo(path, g.getImageWidth(), g.getImageHeight(), rate, frames, g.hasAudio(),
                g.hasAudio() ? nullToEmpty(g.getAudioCodecName()) : "");
    }

    static AVStream videoStream(AVFormatContext ctx) {
        for (int i = 0; i < ctx.nb_streams(); i++) {
            AVStream s = ctx.streams(i);
            if (s.codecpar().codec_type() == AVMEDIA_TYPE_VIDEO) {
                return s;
            }
        }
        return null;
    }

    private static Rational rateOf(AVRational r) {
        if (r == null || r.num() <= 0 || r.den() <= 0) {
            return null;
        }
        return new Rational(r.num(), r.den());
    }

    /** Containers like mkv/webm do not store a frame count: count the video packets (demuxing only, no decoding). */
    private static int countVideoPackets(Path path) throws IOException {
        FFmpegFrameGrabber g = startGrabber(path);
        try {
            AVStream st = videoStream(g.getFormatContext());
            int index = st == null ? -1 : st.index();
            int n = 0;
            for (AVPacket p; (p = g.grabPacket()) != null; ) {
                if (p.stream_index() == index) {
                    n++;
                }
            }
            return n;
        } catch (Exception e) {
            throw new IOException("cannot read packets of " + path + ": " + oneLine(e), e);
        } finally {
            releaseQuietly(g);
        }
    }

    @Override
    public VideoInfo info() {
        return info;
    }

    @Override
    public int[] frameSize() {
        return frameSize.clone();
    }

    @Override
    public int frameCount() {
        return count;
    }

    @Override
    public FloatImage next() throws IOException {
        if (returned >= count) {
            return null;
        }
        if (!skipped) {
            for (int i = 0; i < options.range().first(); i++) {
                if (grabDecoded(i) == null) {
                    throw endedEarly(i);
                }
            }
            skipped = true;
        }
        int index = options.range().first() + returned;
        Frame f = grabDecoded(index);
        if (f == null) {
            throw endedEarly(index);
        }
        returned++;
        return toImage(f);
    }

    private Frame grabDecoded(int index) throws IOException {
        try {
            return grabber.grabImage();
        } catch (Exception e) {
            throw new IOException("cannot decode frame " + index + " of " + path + ": " + oneLine(e), e);
        }
    }

    private IOException endedEarly(int index) {
        return new IOException("video ends early: frame " + index + " of " + info.frameCount()
                + " could not be decoded (truncated or corrupt file) in " + path);
    }

    /** The grabber reuses the frame's buffer: wrap it without copying and let the preparation copy it out. */
    private FloatImage toImage(Frame f) throws IOException {
        // We asked for RGB24. javacv infers imageChannels from the row stride, which padding can inflate
        // (a 32 px row of 96 bytes may have a 192 byte stride), so check the stride rather than the channel count.
        if (f.imageDepth != Frame.DEPTH_UBYTE || f.imageStride < f.imageWidth * 3) {
            throw new IOException("unexpected decoded frame format (depth " + f.imageDepth + ", stride " + f.imageStride
                    + " for width " + f.imageWidth + ") in " + path);
        }
        if (f.imageWidth != info.width() || f.imageHeight != info.height()) {
            throw new IOException("frame size changes mid-stream (" + f.imageWidth + "x" + f.imageHeight + " vs "
                    + info.width() + "x" + info.height() + ") in " + path);
        }
        ByteBuffer buf = (ByteBuffer) f.image[0];
        try (BytePointer ptr = new BytePointer(buf);
             Mat m = new Mat(f.imageHeight, f.imageWidth, CV_8UC3, ptr, f.imageStride)) {
            return options.preparation().apply(m);
        }
    }

    @Override
    public void close() throws IOException {
        try {
            grabber.release();
        } catch (Exception e) {
            throw new IOException("cannot close " + path + ": " + oneLine(e), e);
        }
    }

    static void releaseQuietly(FFmpegFrameGrabber g) {
        try {
            g.release();
        } catch (Exception ignored) {
            // already failing: the original error is the one to report
        }
    }

    static String oneLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.replaceAll("\\s*\\R\\s*", " ").trim();
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
