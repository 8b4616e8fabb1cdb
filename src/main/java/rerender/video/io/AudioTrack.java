// The audio to carry into an output video: a time span of a file's audio stream (SPEC §2 [ours]: audio is kept).
package rerender.video.io;

import java.nio.file.Path;

/**
 * @param source          a media file with an audio stream (normally the input video)
 * @param startSeconds    where the span starts in the source (0 = beginning)
 * @param durationSeconds length of the span; {@link Double#POSITIVE_INFINITY} = to the end
 */
public record AudioTrack(Path source, double startSeconds, double durationSeconds) {
    public AudioTrack {
        if (source == null) {
            throw new IllegalArgumentException("audio source is null");
        }
        if (!(startSeconds >= 0) || !(durationSeconds > 0)) {
            throw new IllegalArgumentException("bad audio span start " + startSeconds + " s, duration " + durationSeconds + " s");
        }
    }

    /** The audio that plays with frames [range.first, range.first + count) of the video {@code info}. */
    public static AudioTrack forFrames(VideoInfo info, FrameRange range) {
        int count = range.selectedFrom(info.frameCount());
        return new AudioTrack(info.source(), info.seconds(range.first()),
                range.isAll() ? Double.POSITIVE_INFINITY : info.seconds(count));
    }

    public double endSeconds() {
        return startSeconds + durationSeconds;
    }
}
