// Reader for the safetensors format (huggingface/safetensors): u64-LE header length, JSON header, raw data; memory-mapped.
package rerender.weights;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Layout: bytes [0, 8) = N (little-endian u64); [8, 8+N) = UTF-8 JSON
 * {@code {"name": {"dtype": "F16", "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {..}}};
 * tensor data at [8+N+begin, 8+N+end). The whole file is mapped into one {@link MemorySegment} of a shared
 * {@link Arena}, so files over 2 GB work and tensors are read straight from the page cache.
 */
public final class SafeTensorsFile implements TensorFile {
    /** The reference implementation's limit; real headers are well below 1 MB. */
    static final long MAX_HEADER = 100_000_000L;

    private final Path path;
    private final Arena arena;
    private final Map<String, StoredTensor> tensors;
    private final Map<String, String> metadata;
    private boolean closed;

    private SafeTensorsFile(Path path, Arena arena, Map<String, StoredTensor> tensors, Map<String, String> metadata) {
        this.path = path;
        this.arena = arena;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    public static SafeTensorsFile open(Path path) {
        Arena arena = Arena.ofShared();
        try {
            MemorySegment file;
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
                file = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            } catch (IOException e) {
                throw new WeightException("cannot map weights file " + path + ": " + e, e);
            }
            SafeTensorsFile f = parse(path, arena, file);
            arena = null;
            return f;
        } finally {
            if (arena != null) {
                arena.close();
            }
        }
    }

    private static SafeTensorsFile parse(Path path, Arena arena, MemorySegment file) {
        long size = file.byteSize();
        if (size < 8) {
            throw new WeightException(path + " is not a safetensors file: only " + size + " bytes");
        }
        long n = file.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        if (n < 2 || n > MAX_HEADER) {
            throw new WeightException(path + " is not a safetensors file: header length " + n + " is not sane (2.." + MAX_HEADER + ")");
        }
        if (8 + n > size) {
            throw new WeightException(path + " is truncated: header length " + n + " but the file has only " + size + " bytes");
        }
        byte[] json = file.asSlice(8, n).toArray(ValueLayout.JAVA_BYTE);
        JsonNode root;
        try {
            ObjectMapper mapper = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
            root = mapper.readTree(new String(json, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new WeightException(path + " has an invalid safetensors JSON header: " + e.getMessage().lines().findFirst().orElse(""), e);
        }
        if (root == null || !root.isObject()) {
            throw new WeightException(path + " has an invalid safetensors header: not a JSON object");
        }
        long dataStart = 8 + n;
        long dataSize = size - dataStart;
        MemorySegment data = file.asSlice(dataStart);
        Map<String, String> metadata = new LinkedHashMap<>();
        Map<String, StoredTensor> tensors = new TreeMap<>();
        record Span(String key, long begin, long end) {
        }
        List<Span> spans = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.properties().iterator(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            JsonNode v = e.getValue();
            if (key.equals("__metadata__")) {
                if (!v.isObject()) {
                    throw new WeightException(path + ": __metadata__ is not a JSON object");
                }
                v.properties().forEach(m -> metadata.put(m.getKey(), m.getValue().isTextual() ? m.getValue().asText() : m.getValue().toString()));
                continue;
            }
            String where = "tensor '" + key + "' in " + path;
            if (!v.isObject()) {
                throw new WeightException(where + ": header entry is not a JSON object");
            }
            JsonNode dt = v.get("dtype");
            DType dtype = dt != null && dt.isTextual() ? DType.fromSafetensors(dt.asText()) : null;
            if (dtype == null) {
                throw new WeightException(where + ": unsupported or missing dtype " + dt);
            }
            long[] shape = longs(v.get("shape"), -1, where, "shape");
            long[] offsets = longs(v.get("data_offsets"), 2, where, "data_offsets");
            long begin = offsets[0];
            long end = offsets[1];
            long expectedBytes;
            try {
                expectedBytes = Math.multiplyExact(Shapes.numel(shape), dtype.size());
            } catch (ArithmeticException ex) {
                throw new WeightException(where + ": shape " + Shapes.format(shape) + " overflows");
            }
            if (end < begin || end - begin != expectedBytes) {
                throw new WeightException(where + ": data_offsets [" + begin + ", " + end + "] hold " + (end - begin)
                        + " bytes but " + dtype + " " + Shapes.format(shape) + " needs " + expectedBytes);
            }
            if (end > dataSize) {
                throw new WeightException(where + ": data_offsets [" + begin + ", " + end + "] lie beyond the data section ("
                        + dataSize + " bytes): file truncated or header wrong");
            }
            spans.add(new Span(key, begin, end));
            MemorySegment slice = data.asSlice(begin, end - begin);
            tensors.put(key, new StoredTensor(key, dtype, shape, path, () -> slice));
        }
        spans.sort(Comparator.comparingLong(Span::begin).thenComparingLong(Span::end));
        for (int i = 1; i < spans.size(); i++) {
            Span a = spans.get(i - 1);
            Span b = spans.get(i);
            if (b.begin() < a.end() && b.end() > b.begin()) {
                throw new WeightException("tensor '" + b.key() + "' in " + path + ": data_offsets [" + b.begin() + ", " + b.end()
                        + "] overlap tensor '" + a.key() + "' [" + a.begin() + ", " + a.end() + "]");
            }
        }
        return new SafeTensorsFile(path, arena, Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(metadata));
    }

    private static long[] longs(JsonNode node, int expectedLength, String where, String field) {
        if (node == null || !node.isArray() || (expectedLength >= 0 && node.size() != expectedLength)) {
            throw new WeightException(where + ": '" + field + "' missing or malformed: " + node);
        }
        long[] out = new long[node.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode x = node.get(i);
            if (!x.isIntegralNumber() || !x.canConvertToLong() || x.asLong() < 0) {
                throw new WeightException(where + ": '" + field + "' has a bad entry " + x);
            }
            out[i] = x.asLong();
        }
        return out;
    }

    @Override
    public Set<String> keys() {
        return tensors.keySet();
    }

    @Override
    public StoredTensor get(String key) {
        return tensors.get(key);
    }

    /** The header's free-form {@code __metadata__} (string to string). */
    public Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public Path path() {
        return path;
    }

    /** Unmaps the file; tensors read afterwards throw {@link WeightException}. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            arena.close();
        }
    }

    @Override
    public String toString() {
        return "safetensors " + path + " (" + tensors.size() + " tensors)";
    }
}
