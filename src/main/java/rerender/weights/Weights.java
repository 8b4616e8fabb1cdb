// Strict, recorded view over the tensors of one or more weight files: models take() each tensor by key and shape.
package rerender.weights;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * What models load from. Every {@link #take} is recorded so unused keys can be reported; a missing key or a
 * wrong shape is a {@link WeightException} naming the key, the file and both shapes. Views made by
 * {@link #sub} share the record. LoRA deltas added by {@link #withLora} are merged into the floats that
 * {@link #take} returns; the files themselves are never modified.
 */
public final class Weights {
    /** Shared state of a root and all its views. */
    private static final class Store {
        final NavigableMap<String, StoredTensor> tensors;
        final Map<String, List<LoraDelta>> deltas;
        final Set<String> taken = ConcurrentHashMap.newKeySet();
        final String files;

        Store(NavigableMap<String, StoredTensor> tensors, Map<String, List<LoraDelta>> deltas, String files) {
            this.tensors = tensors;
            this.deltas = deltas;
            this.files = files;
        }
    }

    private final Store store;
    /** "" for the root, else "a.b." (with the trailing dot). */
    private final String prefix;

    private Weights(Store store, String prefix) {
        this.store = store;
        this.prefix = prefix;
    }

    /** All tensors of {@code files}; a key present in two files is an error (no silent override). */
    public static Weights of(TensorFile... files) {
        if (files.length == 0) {
            throw new IllegalArgumentException("no weight files");
        }
        NavigableMap<String, StoredTensor> all = new TreeMap<>();
        for (TensorFile f : files) {
            for (String k : f.keys()) {
                StoredTensor t = f.get(k);
                StoredTensor prev = all.putIfAbsent(k, t);
                if (prev != null) {
                    throw new WeightException("tensor '" + k + "' is present in both " + prev.file() + " and " + f.path()
                            + "; pass them as separate components");
                }
            }
        }
        String names = Arrays.stream(files).map(f -> f.path().toString()).collect(Collectors.joining(" + "));
        return new Weights(new Store(Collections.unmodifiableNavigableMap(all), Map.of(), names), "");
    }

    /**
     * All tensors of {@code file} with {@code mountPrefix + "."} put in front of their keys: an external VAE file
     * ({@code encoder.*}, {@code decoder.*}) mounted at {@code first_stage_model} reads like a checkpoint's VAE.
     */
    public static Weights mounted(String mountPrefix, TensorFile file) {
        if (mountPrefix.isEmpty()) {
            return of(file);
        }
        NavigableMap<String, StoredTensor> all = new TreeMap<>();
        for (String k : file.keys()) {
            all.put(mountPrefix + "." + k, file.get(k));
        }
        return new Weights(new Store(Collections.unmodifiableNavigableMap(all), Map.of(),
                file.path() + " (mounted at " + mountPrefix + ")"), "");
    }

    /** A root over an explicit key -> tensor map (layouts use it to rename legacy keys). */
    static Weights fromMap(NavigableMap<String, StoredTensor> tensors, String files) {
        return new Weights(new Store(Collections.unmodifiableNavigableMap(new TreeMap<>(tensors)), Map.of(), files), "");
    }

    /** A view whose keys are relative to {@code prefix} (no trailing dot; "" = this view). Shares the take record. */
    public Weights sub(String prefix) {
        if (prefix.isEmpty()) {
            return this;
        }
        if (prefix.endsWith(".") || prefix.startsWith(".")) {
            throw new IllegalArgumentException("prefix must not start or end with '.': " + prefix);
        }
        return new Weights(store, this.prefix + prefix + ".");
    }

    /** This view's prefix without the trailing dot ("" for the root). */
    public String prefix() {
        return prefix.isEmpty() ? "" : prefix.substring(0, prefix.length() - 1);
    }

    /** The files this view reads, for messages. */
    public String source() {
        return store.files;
    }

    public boolean has(String key) {
        return store.tensors.containsKey(prefix + key);
    }

    /** Keys of this view (relative to its prefix), sorted. */
    public Set<String> keys() {
        if (prefix.isEmpty()) {
            return store.tensors.navigableKeySet();
        }
        return store.tensors.subMap(prefix, true, prefix + Character.MAX_VALUE, false).keySet().stream()
                .map(k -> k.substring(prefix.length()))
                .collect(Collectors.toCollection(java.util.TreeSet::new));
    }

    /** Shape of {@code key}, for inferring the architecture; does not count as a take. */
    public long[] shape(String key) {
        return require(key, null).shape();
    }

    /** The stored dtype of {@code key}; does not count as a take. */
    public DType dtype(String key) {
        return require(key, null).dtype();
    }

    /**
     * The tensor {@code key} as float32, checked to have exactly {@code expectedShape} (length 0 = a scalar), with
     * any LoRA deltas merged. Marks the key as used.
     */
    public float[] take(String key, long... expectedShape) {
        StoredTensor t = require(key, expectedShape);
        if (!Arrays.equals(t.shape(), expectedShape)) {
            throw new WeightException("tensor '" + prefix + key + "' in " + t.file() + " has shape " + Shapes.format(t.shape())
                    + ", expected " + Shapes.format(expectedShape));
        }
        float[] w = t.toFloats(true);
        List<LoraDelta> ds = store.deltas.get(prefix + key);
        if (ds != null) {
            for (LoraDelta d : ds) {
                d.addTo(w, t.shape());
            }
        }
        store.taken.add(prefix + key);
        return w;
    }

    /**
     * The tensor {@code key} converted from its IEEE fp16 bits when that is exact, i.e. it is stored as F16 and no
     * LoRA delta applies to it (checked and recorded like {@link #take}); otherwise null, and the caller uses
     * {@link #take}. convert gets the bits as a native-order segment that is freed as soon as it returns (layers
     * keep fp16 weights in their own packed layouts, see ConvWeights): left to the collector, a whole model's worth
     * of such copies stayed resident (native memory does not prompt collections; +1.9 GB peak RSS).
     */
    public <T> T takeHalfIfExact(String key, java.util.function.Function<MemorySegment, T> convert,
                                 long... expectedShape) {
        StoredTensor t = require(key, expectedShape);
        if (t.dtype() != DType.F16 || store.deltas.containsKey(prefix + key)) {
            return null;
        }
        if (!Arrays.equals(t.shape(), expectedShape)) {
            throw new WeightException("tensor '" + prefix + key + "' in " + t.file() + " has shape " + Shapes.format(t.shape())
                    + ", expected " + Shapes.format(expectedShape));
        }
        T converted;
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            converted = convert.apply(t.toHalfSegment(true, arena));
        }
        store.taken.add(prefix + key);
        return converted;
    }

    /** The raw stored tensor (no LoRA merge, any dtype), e.g. int64 buffers. Marks the key as used. */
    public StoredTensor takeTensor(String key) {
        StoredTensor t = require(key, null);
        if (store.deltas.containsKey(prefix + key)) {
            throw new WeightException("tensor '" + prefix + key + "' has a LoRA delta; read it with take()");
        }
        store.taken.add(prefix + key);
        return t;
    }

    /** Marks {@code key} as deliberately not needed (e.g. buffers that are recomputed), so it is not reported. */
    public void skip(String key) {
        require(key, null);
        store.taken.add(prefix + key);
    }

    /** Full keys (as in the files) under {@code prefix} of this view that were never taken, sorted. */
    public List<String> unusedKeys(String prefix) {
        String p = this.prefix + (prefix.isEmpty() ? "" : prefix + ".");
        List<String> out = new ArrayList<>();
        for (String k : store.tensors.subMap(p, true, p + Character.MAX_VALUE, false).keySet()) {
            if (!store.taken.contains(k)) {
                out.add(k);
            }
        }
        return out;
    }

    /**
     * A copy of this view whose {@link #take} adds the kohya LoRA in {@code lora} with strength {@code scale}:
     * W += scale * alpha / rank * up @ down. Needs the LDM checkpoint layout at the root (model.diffusion_model.*,
     * cond_stage_model.transformer.text_model.*). A LoRA module that maps to no tensor is an error.
     */
    public Weights withLora(TensorFile lora, float scale) {
        Lora.Plan plan = Lora.plan(new Weights(store, ""), lora, scale);
        if (!plan.unmapped().isEmpty()) {
            throw new WeightException("LoRA " + lora.path() + ": " + plan.unmapped().size() + " module(s) match no tensor of "
                    + store.files + ", e.g. " + plan.unmapped().subList(0, Math.min(3, plan.unmapped().size())));
        }
        return withDeltas(plan.deltas());
    }

    Weights withDeltas(Map<String, LoraDelta> added) {
        Map<String, List<LoraDelta>> deltas = new LinkedHashMap<>();
        store.deltas.forEach((k, v) -> deltas.put(k, new ArrayList<>(v)));
        added.forEach((k, d) -> deltas.computeIfAbsent(k, x -> new ArrayList<>()).add(d));
        deltas.replaceAll((k, v) -> List.copyOf(v));
        return new Weights(new Store(store.tensors, Map.copyOf(deltas), store.files), prefix);
    }

    /** Full key -> stored tensor, for layout detection and LoRA planning. */
    NavigableMap<String, StoredTensor> all() {
        return store.tensors;
    }

    private StoredTensor require(String key, long[] expectedShape) {
        StoredTensor t = store.tensors.get(prefix + key);
        if (t == null) {
            throw new WeightException("missing tensor '" + prefix + key + "' in " + store.files
                    + (expectedShape == null ? "" : " (expected shape " + Shapes.format(expectedShape) + ")"));
        }
        return t;
    }

    @Override
    public String toString() {
        return "Weights[" + (prefix.isEmpty() ? "<root>" : prefix()) + " of " + store.files + "]";
    }
}
