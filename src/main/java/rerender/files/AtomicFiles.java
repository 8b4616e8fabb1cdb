// Publishing finished files: the one place that moves a complete temporary file onto its final name.
package rerender.files;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Used by every layer that writes results (weights, frames, flows, videos, segments); depends on nothing. */
public final class AtomicFiles {
    private AtomicFiles() {
    }

    /**
     * Renames the finished tmp onto target atomically, replacing an older target, so readers see the old file or
     * the new one, never a part; falls back to a plain replace where the file system has no atomic rename.
     */
    public static void publish(Path tmp, Path target) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
