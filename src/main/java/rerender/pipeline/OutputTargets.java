// Checks the output paths before any work and publishes the frame folder atomically (all frames or none).
package rerender.pipeline;

import rerender.video.FloatImage;
import rerender.video.io.PngSequenceWriter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

final class OutputTargets {
    private OutputTargets() {
    }

    /** The output video must be a writable file path (its folder is created if missing). */
    static void checkVideo(Path output) throws IOException {
        if (Files.isDirectory(output)) {
            throw new IOException("output " + output + " is a directory; give a file name like out.mp4");
        }
        requireWritableFolder(output.toAbsolutePath().getParent(), "output " + output);
    }

    /** The frame folder may exist (it is then replaced as a whole) but must not be a file. */
    static void checkFrameFolder(Path dir) throws IOException {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IOException("--frames-out " + dir + " is a file, not a folder");
        }
        requireWritableFolder(dir.toAbsolutePath().getParent(), "--frames-out " + dir);
    }

    /** Creates the folder if needed and proves it writable by creating and deleting a file (works as root too). */
    static void requireWritableFolder(Path folder, String what) throws IOException {
        if (Files.exists(folder) && !Files.isDirectory(folder)) {
            throw new IOException("cannot write " + what + ": " + folder + " is not a folder");
        }
        try {
            Files.createDirectories(folder);
            Path probe = Files.createTempFile(folder, ".rerender-write-test", ".tmp");
            Files.delete(probe);
        } catch (IOException | SecurityException e) {
            throw new IOException("cannot write " + what + ": folder " + folder + " is not writable ("
                    + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")", e);
        }
    }

    /** Writes all frames as %04d.png into a fresh folder beside {@code dir}, then swaps it in for {@code dir}. */
    static void publishFrames(Path dir, List<FloatImage> frames) throws IOException {
        try (StagedFrames staged = stageFrames(dir)) {
            for (int i = 0; i < frames.size(); i++) {
                staged.write(i, frames.get(i));
            }
            staged.publish();
        }
    }

    /** A fresh hidden folder beside {@code dir} to write frames into one by one before publishing them together. */
    static StagedFrames stageFrames(Path dir) throws IOException {
        Path abs = dir.toAbsolutePath();
        Path tmp;
        try {
            tmp = Files.createTempDirectory(abs.getParent(), "." + abs.getFileName() + ".new", FloatImage.PUBLIC_DIR);
        } catch (IOException e) {
            throw new IOException("cannot write frames to " + dir + ": " + e.getMessage(), e);
        }
        return new StagedFrames(dir, tmp);
    }

    /** Frames being written; {@link #publish} swaps them in for the target folder, closing before that discards them. */
    static final class StagedFrames implements AutoCloseable {
        private final Path dir;
        private final Path tmp;
        private final PngSequenceWriter writer;
        private boolean published;

        private StagedFrames(Path dir, Path tmp) throws IOException {
            this.dir = dir;
            this.tmp = tmp;
            this.writer = new PngSequenceWriter(tmp);
        }

        void write(int index, FloatImage frame) throws IOException {
            try {
                writer.write(index, frame);
            } catch (IOException e) {
                throw new IOException("cannot write frames to " + dir + ": " + e.getMessage(), e);
            }
        }

        /** Swaps the staged folder in for the target (the old one, if any, is moved aside and then deleted). */
        void publish() throws IOException {
            Path abs = dir.toAbsolutePath();
            Path parent = abs.getParent();
            try {
                Path old = null;
                if (Files.exists(abs)) {
                    old = Files.createTempDirectory(parent, "." + abs.getFileName() + ".old");
                    Files.delete(old);
                    Files.move(abs, old, StandardCopyOption.ATOMIC_MOVE);
                }
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
                published = true;
                if (old != null) {
                    deleteTree(old);
                }
            } catch (IOException e) {
                throw new IOException("cannot write frames to " + dir + ": " + e.getMessage(), e);
            }
        }

        /** Deletes the staged frames unless they were published. */
        @Override
        public void close() throws IOException {
            if (!published) {
                deleteTree(tmp);
            }
        }
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
