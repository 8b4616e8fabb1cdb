// A sequential reader of prepared frames (cropped + resized, RGB float 0..255) from a video file or a frame folder.
package rerender.video.io;

import rerender.video.FloatImage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Usage:
 * <pre>
 * try (VideoSource src = VideoSource.open(path, VideoReadOptions.DEFAULT)) {
 *     for (FloatImage f; (f = src.next()) != null; ) { ... }   // frames range.first, range.first+1, ...
 * }
 * </pre>
 * Errors (missing file, not a video, corrupt or truncated stream, no frames) are IOExceptions whose one-line message
 * names the path.
 */
public interface VideoSource extends AutoCloseable {
    /** The source as stored (size before crop/resize, full frame count). */
    VideoInfo info();

    /** Size [width, height] of the frames {@link #next()} returns. */
    int[] frameSize();

    /** Number of frames this source will return (the frame range applied to the source's frame count). */
    int frameCount();

    /** The next prepared frame (a fresh image the caller owns), or null after the last selected frame. */
    FloatImage next() throws IOException;

    @Override
    void close() throws IOException;

    /** Opens a video file (anything FFmpeg demuxes) or a folder of numbered .png/.jpg frames. */
    static VideoSource open(Path path, VideoReadOptions options) throws IOException {
        if (Files.isDirectory(path)) {
            return FrameFolderSource.open(path, options);
        }
        return FfmpegVideoSource.open(path, options);
    }

    /** Reads the container's metadata only (frames are not decoded). */
    static VideoInfo probe(Path path, Rational folderFrameRate) throws IOException {
        VideoReadOptions o = new VideoReadOptions(FrameRange.EVERYTHING, FramePreparation.NONE, folderFrameRate);
        try (VideoSource s = open(path, o)) {
            return s.info();
        }
    }

    /** Reads all selected frames into memory (about 5.5 MB per 512x896 frame: mind long videos). */
    default List<FloatImage> readAll() throws IOException {
        List<FloatImage> frames = new ArrayList<>();
        for (FloatImage f; (f = next()) != null; ) {
            frames.add(f);
        }
        return frames;
    }
}
