// Streaming writer of safetensors files: header first, then each tensor's data in order, chunk by chunk.
package rerender.weights;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Usage: {@code create(out, entries, metadata)}, then for each entry in order {@code write(...)} its elements
 * (in one call or many), then {@link #close}. Data goes to {@code out + ".tmp"} and is moved into place only when
 * every tensor is complete, so a crash never leaves a file that looks valid. Memory use is one 1 MiB buffer,
 * whatever the file size. Float entries may be F32, F16 or BF16 (converted while writing); integer entries I64/I32.
 */
public final class SafeTensorsWriter implements AutoCloseable {
    public record Entry(String name, DType dtype, long[] shape) {
        public Entry {
            shape = shape.clone();
            Shapes.numel(shape);
            if (name.isEmpty() || name.equals("__metadata__")) {
                throw new IllegalArgumentException("bad tensor name '" + name + "'");
            }
        }

        public long numel() {
            return Shapes.numel(shape);
        }
    }

    private final Path out;
    private final Path tmp;
    private final FileChannel ch;
    private final List<Entry> entries;
    private final ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
    private int current;
    private long writtenInCurrent;
    private boolean closed;

    private SafeTensorsWriter(Path out, Path tmp, FileChannel ch, List<Entry> entries) {
        this.out = out;
        this.tmp = tmp;
        this.ch = ch;
        this.entries = entries;
    }

    public static SafeTensorsWriter create(Path out, List<Entry> entries, Map<String, String> metadata) {
        Set<String> names = new HashSet<>();
        Map<String, Object> header = new LinkedHashMap<>();
        if (!metadata.isEmpty()) {
            header.put("__metadata__", metadata);
        }
        long offset = 0;
        for (Entry e : entries) {
            if (!names.add(e.name())) {
                throw new IllegalArgumentException("duplicate tensor name '" + e.name() + "'");
            }
            long bytes = e.numel() * e.dtype().size();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("dtype", e.dtype().name());
            m.put("shape", e.shape());
            m.put("data_offsets", new long[] {offset, offset + bytes});
            header.put(e.name(), m);
            offset += bytes;
        }
        byte[] json;
        try {
            json = new ObjectMapper().writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        int padded = (json.length + 7) / 8 * 8; // the reference writer pads with spaces so data starts 8-aligned
        Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
        try {
            FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
            ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
            head.putLong(padded).put(json);
            while (head.hasRemaining()) {
                head.put((byte) ' ');
            }
            head.flip();
            while (head.hasRemaining()) {
                ch.write(head);
            }
            SafeTensorsWriter w = new SafeTensorsWriter(out, tmp, ch, List.copyOf(entries));
            w.skipEmpty();
            return w;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + tmp, e);
        }
    }

    /** Appends {@code length} elements of the current tensor (a float dtype), converted to its dtype. */
    public void write(float[] values, int offset, int length) {
        Entry e = expect(length);
        switch (e.dtype()) {
            case F32 -> {
                for (int i = 0; i < length; i++) {
                    room(4).putFloat(values[offset + i]);
                }
            }
            case F16 -> {
                for (int i = 0; i < length; i++) {
                    room(2).putShort(Float.floatToFloat16(values[offset + i]));
                }
            }
            case BF16 -> {
                for (int i = 0; i < length; i++) {
                    room(2).putShort(toBf16(values[offset + i]));
                }
            }
            default -> throw new IllegalArgumentException("tensor '" + e.name() + "' is " + e.dtype() + "; write floats only to F32/F16/BF16");
        }
        advance(length);
    }

    public void write(float[] values) {
        write(values, 0, values.length);
    }

    /** Appends raw IEEE half bits to the current tensor, which must be F16. */
    public void writeHalfBits(short[] values, int offset, int length) {
        Entry e = expect(length);
        if (e.dtype() != DType.F16) {
            throw new IllegalArgumentException("tensor '" + e.name() + "' is " + e.dtype() + ", not F16");
        }
        int done = 0;
        while (done < length) {
            if (buf.remaining() < 2) {
                flush();
            }
            int n = Math.min(length - done, buf.remaining() / 2);
            buf.asShortBuffer().put(values, offset + done, n); // the view inherits little-endian order
            buf.position(buf.position() + 2 * n);
            done += n;
        }
        advance(length);
    }

    /** Appends integers to the current tensor, which must be I64 or I32. */
    public void writeLongs(long[] values) {
        Entry e = expect(values.length);
        for (long v : values) {
            switch (e.dtype()) {
                case I64 -> room(8).putLong(v);
                case I32 -> room(4).putInt(Math.toIntExact(v));
                default -> throw new IllegalArgumentException("tensor '" + e.name() + "' is " + e.dtype() + "; write longs only to I64/I32");
            }
        }
        advance(values.length);
    }

    /** The entry whose data is written next, or null when all are complete. */
    public Entry current() {
        return current < entries.size() ? entries.get(current) : null;
    }

    /** Checks that every tensor is complete, flushes and moves the file into place. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (current < entries.size()) {
                ch.close();
                Files.deleteIfExists(tmp);
                throw new IllegalStateException("safetensors " + out + " incomplete: tensor '" + entries.get(current).name() + "' has "
                        + writtenInCurrent + " of " + entries.get(current).numel() + " elements");
            }
            flush();
            ch.close();
            rerender.files.AtomicFiles.publish(tmp, out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + out, e);
        }
    }

    /** Convenience: writes float tensors in the map's order, all as {@code dtype}. */
    public static void write(Path out, Map<String, float[]> values, Map<String, long[]> shapes, DType dtype) {
        List<Entry> entries = values.keySet().stream().map(k -> new Entry(k, dtype, shapes.get(k))).toList();
        try (SafeTensorsWriter w = create(out, entries, Map.of())) {
            for (float[] v : values.values()) {
                w.write(v);
            }
        }
    }

    /** Round-to-nearest-even float32 -> bfloat16 (NaN kept quiet). */
    static short toBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    private Entry expect(int length) {
        if (closed) {
            throw new IllegalStateException("writer closed");
        }
        Entry e = current();
        if (e == null) {
            throw new IllegalStateException("all tensors of " + out + " are already written");
        }
        if (writtenInCurrent + length > e.numel()) {
            throw new IllegalArgumentException("tensor '" + e.name() + "' " + Shapes.format(e.shape()) + " has " + e.numel()
                    + " elements; got " + (writtenInCurrent + length));
        }
        return e;
    }

    private void advance(int length) {
        writtenInCurrent += length;
        skipEmpty();
    }

    private void skipEmpty() {
        while (current < entries.size() && writtenInCurrent == entries.get(current).numel()) {
            current++;
            writtenInCurrent = 0;
        }
    }

    private ByteBuffer room(int bytes) {
        if (buf.remaining() < bytes) {
            flush();
        }
        return buf;
    }

    private void flush() {
        buf.flip();
        try {
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + tmp, e);
        }
        buf.clear();
    }
}
