// SHA-256 fingerprints of images, files and strings, for segment manifests (resume must verify, not trust).
package rerender.pipeline;

import rerender.video.FloatImage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** An incremental SHA-256: feed strings and images, read the hex digest. */
final class Hashes {
    private final MessageDigest md;

    Hashes() {
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
    }

    Hashes add(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        md.update(ByteBuffer.allocate(4).putInt(b.length).array());
        md.update(b);
        return this;
    }

    /** Size, channel count and the exact float bits of every value. */
    Hashes add(FloatImage img) {
        ByteBuffer buf = ByteBuffer.allocate(12 + img.data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.putInt(img.width).putInt(img.height).putInt(img.channels);
        buf.asFloatBuffer().put(img.data);
        md.update(buf.array());
        return this;
    }

    String hex() {
        return HexFormat.of().formatHex(md.digest());
    }

    static String ofFile(Path file) throws IOException {
        Hashes h = new Hashes();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                h.md.update(buf, 0, n);
            }
        }
        return h.hex();
    }
}
