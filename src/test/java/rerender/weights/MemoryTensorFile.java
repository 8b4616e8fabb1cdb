// Test double: a TensorFile held in memory (names, dtypes, shapes; data zeros unless given), e.g. the full SD 1.5 key list.
package rerender.weights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

final class MemoryTensorFile implements TensorFile {
    private final Path path;
    private final Map<String, StoredTensor> tensors = new TreeMap<>();

    MemoryTensorFile(String name) {
        this.path = Path.of(name);
    }

    /** Adds a tensor whose bytes are zeros (allocated only when read). */
    MemoryTensorFile add(String key, DType dtype, long... shape) {
        long bytes = Shapes.numel(shape) * dtype.size();
        tensors.put(key, new StoredTensor(key, dtype, shape, path, () -> MemorySegment.ofArray(new byte[Math.toIntExact(bytes)])));
        return this;
    }

    /** All tensors of a fixture list such as sd15-ldm-tensors.json ({"tensors": {name: {shape, dtype}}}). */
    static MemoryTensorFile fromJson(Path json, String name) {
        MemoryTensorFile f = new MemoryTensorFile(name);
        try {
            JsonNode root = new ObjectMapper().readTree(json.toFile()).get("tensors");
            root.properties().forEach(e -> {
                JsonNode s = e.getValue().get("shape");
                long[] shape = new long[s.size()];
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = s.get(i).asLong();
                }
                f.add(e.getKey(), DType.valueOf(e.getValue().get("dtype").asText()), shape);
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return f;
    }

    MemoryTensorFile without(String prefix) {
        tensors.keySet().removeIf(k -> k.startsWith(prefix));
        return this;
    }

    @Override
    public Set<String> keys() {
        return Collections.unmodifiableSet(tensors.keySet());
    }

    @Override
    public StoredTensor get(String key) {
        return tensors.get(key);
    }

    @Override
    public Path path() {
        return path;
    }

    @Override
    public void close() {
    }
}
