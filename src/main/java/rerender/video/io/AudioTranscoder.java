// Re-encodes a span of a file's audio stream to AAC in an .m4a file, for audio codecs mp4 cannot carry as they are.
package rerender.video.io;

import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_AAC;

final class AudioTranscoder {
    /** Audio codecs copied into mp4 as they are; everything else is re-encoded to AAC. */
    static final Set<String> MP4_COPY_CODECS = Set.of("aac");

    private AudioTranscoder() {
    }

    static void toAac(AudioTrack audio, Path out) throws IOException {
        FFmpegFrameGrabber g = new FFmpegFrameGrabber(audio.source().toFile());
        FFmpegFrameRecorder r = null;
        try {
            try {
                g.start();
            } catch (Exception e) {
                throw new IOException("cannot open audio of " + audio.source() + ": " + FfmpegVideoSource.oneLine(e), e);
            }
            if (!g.hasAudio() || g.getAudioChannels() <= 0 || g.getSampleRate() <= 0) {
                throw new IOException("no audio stream in " + audio.source());
            }
            int channels = Math.min(g.getAudioChannels(), 2);
            r = new FFmpegFrameRecorder(out.toFile(), channels);
            r.setFormat("mp4");
            r.setAudioCodec(AV_CODEC_ID_AAC);
            r.setSampleRate(g.getSampleRate());
            r.setAudioBitrate(192_000);
            r.start();
            long startUs = Math.round(audio.startSeconds() * 1e6);
            double endUs = audio.endSeconds() * 1e6;
            for (Frame f; (f = g.grabSamples()) != null; ) {
                if (f.samples == null) {
                    continue;
                }
                if (f.timestamp >= endUs) {
                    break;
                }
                if (f.timestamp + 1 < startUs) {
                    continue; // before the span (the granularity is one decoded audio frame, ~20 ms)
                }
                r.recordSamples(f.sampleRate, f.audioChannels, f.samples);
            }
            r.stop();
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("cannot re-encode the audio of " + audio.source() + " to AAC: "
                    + FfmpegVideoSource.oneLine(e), e);
        } finally {
            FfmpegVideoSource.releaseQuietly(g);
            if (r != null) {
                try {
                    r.release();
                } catch (Exception ignored) {
                    // the error that brought us here is the one to report
                }
            }
        }
    }
}
