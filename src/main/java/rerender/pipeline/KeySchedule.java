// How the user chose the key frames: every K-th frame, an explicit list, or whatever numbered images the key folder holds.
package rerender.pipeline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * @param interval K for keys 0, K, 2K, … and the last frame; 0 when not used
 * @param frames   explicit key frame indices; null when not used
 */
public record KeySchedule(int interval, int[] frames) {
    private static final Pattern KEY_NAME = Pattern.compile("(\\d{4,})\\.(png|jpg|jpeg)", Pattern.CASE_INSENSITIVE);

    public KeySchedule {
        if (interval != 0 && frames != null) {
            throw new IllegalArgumentException("give either --interval or --key-frames, not both");
        }
        if (interval != 0 && interval < 2) {
            throw new IllegalArgumentException("--interval must be at least 2, got " + interval);
        }
        frames = frames == null ? null : frames.clone();
    }

    public static KeySchedule every(int interval) {
        if (interval < 2) {
            throw new IllegalArgumentException("--interval must be at least 2, got " + interval);
        }
        return new KeySchedule(interval, null);
    }

    public static KeySchedule at(int... frames) {
        return new KeySchedule(0, frames);
    }

    /** Keys = the frames that have an image in the key folder. */
    public static KeySchedule fromFolder() {
        return new KeySchedule(0, null);
    }

    public PropagationPlan plan(int frameCount, Path keysDir) throws IOException {
        if (interval != 0) {
            return PropagationPlan.everyKth(frameCount, interval);
        }
        if (frames != null) {
            return new PropagationPlan(frameCount, frames);
        }
        return new PropagationPlan(frameCount, listFolder(keysDir));
    }

    static int[] listFolder(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException("key folder " + dir + " does not exist or is not a folder");
        }
        TreeSet<Integer> found = new TreeSet<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.forEach(p -> {
                Matcher m = KEY_NAME.matcher(p.getFileName().toString());
                if (m.matches()) {
                    found.add(Integer.parseInt(m.group(1)));
                }
            });
        }
        if (found.isEmpty()) {
            throw new IOException("no key images (0000.png, 0010.png, ...) in " + dir);
        }
        return found.stream().mapToInt(Integer::intValue).toArray();
    }
}
