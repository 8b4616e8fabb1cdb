// What a video source holds before any crop/resize: stored frame size, exact frame rate, frame count, audio presence.
package rerender.video.io;

import java.nio.file.Path;

/**
 * @param source     the file or frame folder
 * @param width      stored frame width in pixels (before crop/resize)
 * @param height     stored frame height in pixels
 * @param frameRate  exact frame rate (for a frame folder: the rate the caller gave)
 * @param frameCount number of video frames in the source (packets counted when the container does not say)
 * @param hasAudio   whether the source has an audio stream (a frame folder never has)
 * @param audioCodec FFmpeg codec name of the audio stream ("aac", "opus", ...), "" when there is none
 */
public record VideoInfo(Path source, int width, int height, Rational frameRate, int frameCount, boolean hasAudio,
                        String audioCodec) {
    public VideoInfo {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("bad frame size " + width + "x" + height + " in " + source);
        }
        if (frameCount < 0) {
            throw new IllegalArgumentException("negative frame count " + frameCount + " in " + source);
        }
        if (audioCodec == null) {
            audioCodec = "";
        }
    }

    public double fps() {
        return frameRate.value();
    }

    /** Duration in seconds of frames [first, first+count). */
    public double seconds(int frames) {
        return frames * (double) frameRate.den() / frameRate.num();
    }
}
