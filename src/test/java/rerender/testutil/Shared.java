// Locates ../shared (fixtures, sample videos) for tests; the path comes from the surefire system property.
package rerender.testutil;

import java.nio.file.Files;
import java.nio.file.Path;

public final class Shared {
    private Shared() {
    }

    public static Path root() {
        Path p = Path.of(System.getProperty("rerender.shared", "../shared"));
        if (!Files.isDirectory(p)) {
            throw new IllegalStateException("shared folder not found at " + p.toAbsolutePath());
        }
        return p;
    }

    public static Path fixtures() {
        return root().resolve("fixtures");
    }

    public static Path tiny(String name) {
        return fixtures().resolve("tiny").resolve(name);
    }

    public static Path video(String prefix) {
        try (var s = Files.list(root().resolve("data/videos"))) {
            return s.filter(f -> f.getFileName().toString().startsWith(prefix)).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no video " + prefix));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
