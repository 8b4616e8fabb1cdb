// Flow pairs cached in a work directory, one file per frame pair, keyed by the frame indices, the estimator's
// settings and a hash of both frames' pixels (so changed frames or settings never reuse a stale flow).
package rerender.video.flow;

import rerender.video.FloatImage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Thread-safe: two threads asking for the same pair may both compute it; the files are written atomically, so
 * the last one wins and readers never see a partial file. A file that fails verification is recomputed and replaced.
 */
public final class FlowCache {
    private final Path dir;
    private final FlowEstimator estimator;

    public FlowCache(Path dir, FlowEstimator estimator) {
        this.dir = dir;
        this.estimator = estimator;
    }

    public FlowEstimator estimator() {
        return estimator;
    }

    /** Flow between frames {@code i} (image a) and {@code j} (image b): forward = flow(a -> b). */
    public FlowPair pair(int i, int j, FloatImage a, FloatImage b) throws IOException {
        Path file = fileFor(i, j, a, b);
        if (Files.isRegularFile(file)) {
            try {
                return FlowFile.read(file, a.width, a.height);
            } catch (IOException corrupt) {
                // fall through: recompute and overwrite the bad file
            }
        }
        FlowPair pair = estimator.estimate(a, b);
        try {
            FlowFile.write(file, pair);
        } catch (IOException e) {
            throw new IOException("cannot write flow cache file " + file + ": " + e.getMessage(), e);
        }
        return pair;
    }

    /** dir/flow_%05d_%05d_&lt;key&gt;.rrflow, key = SHA-256 of (estimator id, size, pixels of a and b), 16 hex digits. */
    public Path fileFor(int i, int j, FloatImage a, FloatImage b) {
        return dir.resolve(String.format("flow_%05d_%05d_%s.rrflow", i, j, key(a, b)));
    }

    private String key(FloatImage a, FloatImage b) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(estimator.id().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            for (FloatImage img : new FloatImage[] {a, b}) {
                ByteBuffer buf = ByteBuffer.allocate(12 + img.data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                buf.putInt(img.width).putInt(img.height).putInt(img.channels);
                buf.asFloatBuffer().put(img.data);
                md.update(buf.array());
            }
            return HexFormat.of().formatHex(md.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always present in the JDK", e);
        }
    }
}
