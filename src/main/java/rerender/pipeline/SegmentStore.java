// Finished segments in the work directory: their frames as lossless PNGs plus a manifest with a hash of everything
// that determined them and a hash of every output file, so a re-run reuses a segment only after verifying it.
package rerender.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import rerender.video.FloatImage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Layout: dir/seg_KKKK_LLLL/%04d.png (frame index in the plan) and dir/seg_KKKK_LLLL/manifest.json. The manifest is
 * written last and removed first, each atomically, so a crash at any moment leaves either no manifest or one whose
 * hashes are checked against the files on the next run.
 */
final class SegmentStore {
    static final String MANIFEST = "manifest.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The manifest's content: inputs = hash of frames, keys and settings; frames = file name -> SHA-256. */
    record Manifest(String segment, String inputs, Map<String, String> frames) {
    }

    private final Path dir;

    SegmentStore(Path dir) {
        this.dir = dir;
    }

    Path dirOf(Segment seg) {
        return dir.resolve(seg.name());
    }

    static String frameName(int frame) {
        return String.format("%04d.png", frame);
    }

    /** Whether {@code seg} is stored with a manifest matching {@code inputsHash} and every file its hash. */
    boolean verify(Segment seg, String inputsHash) {
        Path segDir = dirOf(seg);
        Path manifestFile = segDir.resolve(MANIFEST);
        if (!Files.isRegularFile(manifestFile)) {
            return false;
        }
        try {
            Manifest m = JSON.readValue(manifestFile.toFile(), Manifest.class);
            if (!seg.name().equals(m.segment()) || !inputsHash.equals(m.inputs()) || m.frames() == null
                    || m.frames().size() != seg.inBetweenCount()) {
                return false;
            }
            for (int t = seg.first() + 1; t < seg.last(); t++) {
                String name = frameName(t);
                Path f = segDir.resolve(name);
                if (!Files.isRegularFile(f) || !Hashes.ofFile(f).equals(m.frames().get(name))) {
                    return false;
                }
            }
            return true;
        } catch (IOException | RuntimeException unreadable) {
            return false; // a damaged manifest or frame means: compute again
        }
    }

    /** In-between frame t of {@code seg} as stored (call after {@link #save} or a successful {@link #verify}). */
    FloatImage read(Segment seg, int t) throws IOException {
        if (t <= seg.first() || t >= seg.last()) {
            throw new IllegalArgumentException("frame " + t + " is not an in-between frame of " + seg.name());
        }
        return FloatImage.read(dirOf(seg).resolve(frameName(t)));
    }

    /** Stores the frames k+1..k'−1 of {@code seg} and then its manifest. */
    void save(Segment seg, String inputsHash, List<FloatImage> frames) throws IOException {
        if (frames.size() != seg.inBetweenCount()) {
            throw new IllegalArgumentException(seg.name() + " has " + seg.inBetweenCount() + " in-between frames, got "
                    + frames.size());
        }
        Path segDir = dirOf(seg);
        try {
            Files.createDirectories(segDir);
            Files.deleteIfExists(segDir.resolve(MANIFEST));
            Map<String, String> hashes = new LinkedHashMap<>();
            for (int i = 0; i < frames.size(); i++) {
                String name = frameName(seg.first() + 1 + i);
                Path f = segDir.resolve(name);
                frames.get(i).writePng(f);
                hashes.put(name, Hashes.ofFile(f));
            }
            writeAtomically(segDir.resolve(MANIFEST), JSON.writerWithDefaultPrettyPrinter()
                    .writeValueAsBytes(new Manifest(seg.name(), inputsHash, hashes)));
        } catch (IOException e) {
            throw new IOException("cannot write segment " + seg.name() + " to " + segDir + ": " + e.getMessage(), e);
        }
    }

    static void writeAtomically(Path target, byte[] content) throws IOException {
        Path tmp = Files.createTempFile(target.toAbsolutePath().getParent(), "." + target.getFileName(), ".tmp",
                rerender.video.FloatImage.PUBLIC_FILE);
        try {
            Files.write(tmp, content);
            rerender.files.AtomicFiles.publish(tmp, target);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
