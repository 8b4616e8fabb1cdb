// The prepared input frames, decoded once per run into the work directory as raw 8-bit RGB files, so that a run
// holds only the frames of the segments in flight (a 512x896 frame is 5.5 MB as floats: a minute of video ~8 GB).
package rerender.pipeline;

import rerender.video.FloatImage;
import rerender.video.io.VideoSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Layout: dir/%06d.rgb = frame t as H·W·3 bytes, RGB interleaved (the [H, W, 3] layout of {@link FloatImage}).
 * Prepared frames hold whole numbers 0..255 (decoding and resizing are 8-bit), so the files are exact; a frame that
 * is not is refused rather than silently rounded. Every run decodes the video again and rewrites a file only when
 * its content changed, so the store can never be stale; each file is replaced atomically.
 */
final class FrameStore {
    private final Path dir;
    private final int count;
    private final int width;
    private final int height;

    private FrameStore(Path dir, int count, int width, int height) {
        this.dir = dir;
        this.count = count;
        this.width = width;
        this.height = height;
    }

    /** Reads every frame {@code src} returns into {@code dir}, one frame in memory at a time. */
    static FrameStore decode(VideoSource src, Path dir) throws IOException {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IOException("cannot create frame cache folder " + dir + ": " + e.getMessage(), e);
        }
        int count = 0, width = 0, height = 0;
        for (FloatImage f; (f = src.next()) != null; count++) {
            if (count == 0) {
                width = f.width;
                height = f.height;
            } else if (f.width != width || f.height != height || f.channels != 3) {
                throw new IOException("prepared frame " + count + " is " + f.width + "x" + f.height + "x" + f.channels
                        + ", frame 0 is " + width + "x" + height + "x3");
            }
            store(fileOf(dir, count), toBytes(f, count));
        }
        return new FrameStore(dir, count, width, height);
    }

    int count() {
        return count;
    }

    int width() {
        return width;
    }

    int height() {
        return height;
    }

    /** Frame t, [H, W, 3] with values 0..255. */
    FloatImage read(int t) throws IOException {
        if (t < 0 || t >= count) {
            throw new IllegalArgumentException("frame " + t + " outside 0.." + (count - 1));
        }
        Path f = fileOf(dir, t);
        byte[] b;
        try {
            b = Files.readAllBytes(f);
        } catch (IOException e) {
            throw new IOException("cannot read cached frame " + f + ": " + e.getMessage(), e);
        }
        if (b.length != width * height * 3) {
            throw new IOException("cached frame " + f + " has " + b.length + " bytes, expected " + width * height * 3
                    + " (the work folder was changed during the run?)");
        }
        FloatImage img = new FloatImage(width, height, 3);
        for (int i = 0; i < b.length; i++) {
            img.data[i] = b[i] & 255;
        }
        return img;
    }

    /** Frames first..last (inclusive), in order. */
    List<FloatImage> read(int first, int last) throws IOException {
        List<FloatImage> out = new ArrayList<>(last - first + 1);
        for (int t = first; t <= last; t++) {
            out.add(read(t));
        }
        return out;
    }

    static Path fileOf(Path dir, int t) {
        return dir.resolve(String.format("%06d.rgb", t));
    }

    static byte[] toBytes(FloatImage f, int t) {
        byte[] b = new byte[f.data.length];
        for (int i = 0; i < b.length; i++) {
            float v = f.data[i];
            if (!(v >= 0 && v <= 255) || v != Math.rint(v)) {
                throw new IllegalStateException("prepared frame " + t + " has value " + v + " at " + i
                        + "; frames must be 8-bit to be cached exactly");
            }
            b[i] = (byte) (int) v;
        }
        return b;
    }

    /** Writes {@code content} to {@code file} atomically unless the file already holds exactly that. */
    private static void store(Path file, byte[] content) throws IOException {
        try {
            if (Files.isRegularFile(file) && Files.size(file) == content.length
                    && Arrays.equals(Files.readAllBytes(file), content)) {
                return;
            }
            SegmentStore.writeAtomically(file, content);
        } catch (IOException e) {
            throw new IOException("cannot write frame cache file " + file + ": " + e.getMessage(), e);
        }
    }
}
