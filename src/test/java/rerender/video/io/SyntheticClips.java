// Test clips made on the fly: a moving square over a smooth gradient, optionally with a sine tone audio track.
package rerender.video.io;

import org.bytedeco.javacv.FFmpegFrameRecorder;
import rerender.video.FloatImage;

import java.nio.ShortBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_AAC;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_H264;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_MP2;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P;

final class SyntheticClips {
    static final int SAMPLE_RATE = 44100;

    private SyntheticClips() {
    }

    /** Frame t: gradient background, a 16x16 square moving 3 px right and 2 px down per frame. [H, W, 3] */
    static FloatImage frame(int w, int h, int t) {
        FloatImage img = new FloatImage(w, h, 3);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                boolean sq = x >= 4 + 3 * t && x < 20 + 3 * t && y >= 6 + 2 * t && y < 22 + 2 * t;
                img.set(x, y, 0, sq ? 230 : 40 + 150f * x / w);
                img.set(x, y, 1, sq ? 60 : 60 + 120f * y / h);
                img.set(x, y, 2, sq ? 40 : 120);
            }
        }
        return img;
    }

    static List<FloatImage> frames(int w, int h, int n) {
        List<FloatImage> out = new ArrayList<>();
        for (int t = 0; t < n; t++) {
            out.add(frame(w, h, t));
        }
        return out;
    }

    /**
     * Writes a clip with a mono sine tone of {@code toneHz} for the clip's duration.
     * @param audioCodec AV_CODEC_ID_AAC (mp4) or AV_CODEC_ID_MP2 (for a re-encode case), 0 = no audio
     */
    static void writeWithTone(Path file, String format, int w, int h, int frames, int fps, double toneHz, int audioCodec)
            throws Exception {
        try (FFmpegFrameRecorder r = new FFmpegFrameRecorder(file.toFile(), w, h, audioCodec == 0 ? 0 : 1)) {
            r.setFormat(format);
            r.setVideoCodec(AV_CODEC_ID_H264);
            r.setPixelFormat(AV_PIX_FMT_YUV420P);
            r.setFrameRate(fps);
            r.setVideoOption("crf", "12");
            if (audioCodec != 0) {
                r.setAudioCodec(audioCodec);
                r.setSampleRate(SAMPLE_RATE);
                r.setAudioBitrate(128_000);
            }
            r.start();
            org.bytedeco.javacv.Frame vf = new org.bytedeco.javacv.Frame(w, h, org.bytedeco.javacv.Frame.DEPTH_UBYTE, 3);
            for (int t = 0; t < frames; t++) {
                FloatImage img = frame(w, h, t);
                java.nio.ByteBuffer b = (java.nio.ByteBuffer) vf.image[0];
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w * 3; x++) {
                        b.put(y * vf.imageStride + x, (byte) FloatImage.to8(img.data[y * w * 3 + x]));
                    }
                }
                r.record(vf, org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_RGB24);
            }
            if (audioCodec != 0) {
                int total = (int) Math.round((double) frames / fps * SAMPLE_RATE);
                int chunk = 1024;
                for (int s = 0; s < total; s += chunk) {
                    int n = Math.min(chunk, total - s);
                    short[] pcm = new short[n];
                    for (int i = 0; i < n; i++) {
                        pcm[i] = (short) Math.round(12000 * Math.sin(2 * Math.PI * toneHz * (s + i) / SAMPLE_RATE));
                    }
                    r.recordSamples(SAMPLE_RATE, 1, ShortBuffer.wrap(pcm));
                }
            }
            r.stop();
        }
    }

    static int mp2() {
        return AV_CODEC_ID_MP2;
    }

    static int aac() {
        return AV_CODEC_ID_AAC;
    }
}
