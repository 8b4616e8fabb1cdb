// Writes frames as a lossless PNG sequence %04d.png (frame 0 -> 0000.png), each file written atomically.
package rerender.video.io;

import rerender.video.FloatImage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

public final class PngSequenceWriter {
    private final Path dir;

    public PngSequenceWriter(Path dir) throws IOException {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IOException("frame folder path is a file: " + dir);
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IOException("cannot create frame folder " + dir + ": " + e, e);
        }
        this.dir = dir;
    }

    /** Path of frame {@code index}: dir/%04d.png (more digits once past 9999). */
    public Path pathOf(int index) {
        if (index < 0) {
            throw new IllegalArgumentException("negative frame index " + index);
        }
        return dir.resolve(String.format("%04d.png", index));
    }

    /** Writes frame {@code index} (8-bit RGB after rounding; a crash never leaves a half-written file). */
    public Path write(int index, FloatImage frame) throws IOException {
        Path p = pathOf(index);
        try {
            frame.writePng(p);
        } catch (IOException e) {
            throw new IOException("cannot write frame " + p + ": " + e.getMessage(), e);
        }
        return p;
    }
}
