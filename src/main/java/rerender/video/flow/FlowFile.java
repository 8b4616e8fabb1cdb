// The on-disk format of cached flows: a small header, a CRC-32 of the payload, then little-endian float32 fields.
//
//   bytes 0..7   magic "RRFLOW01"
//   int32        width, height, number of fields n (a FlowPair is 2: forward then backward)
//   int64        CRC-32 of the payload
//   payload      n x [H, W, 2] float32 little-endian
package rerender.video.flow;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32;

public final class FlowFile {
    private static final byte[] MAGIC = "RRFLOW01".getBytes(StandardCharsets.US_ASCII);
    static final int HEADER = MAGIC.length + 3 * Integer.BYTES + Long.BYTES;

    private FlowFile() {
    }

    /** Writes the pair atomically (temporary file in the same folder, then rename). */
    public static void write(Path path, FlowPair pair) throws IOException {
        Flow f = pair.forward(), b = pair.backward();
        ByteBuffer payload = ByteBuffer.allocate((f.data.length + b.data.length) * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        payload.asFloatBuffer().put(f.data).put(b.data);
        CRC32 crc = new CRC32();
        crc.update(payload.duplicate());
        ByteBuffer header = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
        header.put(MAGIC).putInt(f.width).putInt(f.height).putInt(2).putLong(crc.getValue()).flip();
        Path dir = path.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + path.getFileName(), ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                while (header.hasRemaining()) {
                    ch.write(header);
                }
                while (payload.hasRemaining()) {
                    ch.write(payload);
                }
            }
            rerender.files.AtomicFiles.publish(tmp, path);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Reads a pair of the expected size; fails with the path in the message when the file is not a flow file, has
     * another size, is truncated or fails its checksum.
     */
    public static FlowPair read(Path path, int width, int height) throws IOException {
        long expected = HEADER + 2L * width * height * 2 * Float.BYTES;
        long size = Files.size(path);
        if (size != expected) {
            throw new IOException("flow file " + path + " has " + size + " bytes, expected " + expected
                    + " for " + width + "x" + height);
        }
        ByteBuffer all = ByteBuffer.wrap(Files.readAllBytes(path)).order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[MAGIC.length];
        all.get(magic);
        if (!java.util.Arrays.equals(magic, MAGIC)) {
            throw new IOException("not a flow file: " + path);
        }
        int w = all.getInt(), h = all.getInt(), n = all.getInt();
        long crcStored = all.getLong();
        if (w != width || h != height || n != 2) {
            throw new IOException("flow file " + path + " holds " + n + " fields of " + w + "x" + h + ", expected 2 of "
                    + width + "x" + height);
        }
        CRC32 crc = new CRC32();
        crc.update(all.duplicate());
        if (crc.getValue() != crcStored) {
            throw new IOException("flow file " + path + " fails its checksum (corrupt)");
        }
        float[] fwd = new float[width * height * 2], bwd = new float[width * height * 2];
        var fb = all.asFloatBuffer();
        fb.get(fwd).get(bwd);
        return new FlowPair(new Flow(width, height, fwd), new Flow(width, height, bwd));
    }
}
