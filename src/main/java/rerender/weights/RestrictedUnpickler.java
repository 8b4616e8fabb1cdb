// A restricted Python pickle reader for torch.save state dicts: builds plain data, never calls anything.
package rerender.weights;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Interprets the pickle opcodes (protocols 2-4) that {@code torch.save} emits for state dicts. Python objects become:
 * dict/OrderedDict -> {@link LinkedHashMap}, list -> {@link ArrayList}, tuple -> {@link Tuple}, str -> String,
 * int -> Long (or BigInteger), float -> Double, bool -> Boolean, None -> null, bytes -> byte[].
 * Only the globals in {@link #STORAGES} and {@link #FUNCTIONS} may be named (opcode GLOBAL / STACK_GLOBAL); any
 * other global (os.system, builtins.eval, ...) is refused the moment it is read, so a malicious file fails
 * before anything else happens. Nothing is ever executed: "calls" (REDUCE) of the allowed functions are
 * interpreted here as building {@link TensorRef}s.
 */
final class RestrictedUnpickler {
    record Tuple(List<Object> items) {
    }

    record Global(String module, String name) {
        @Override
        public String toString() {
            return module + "." + name;
        }
    }

    /** A storage named by a persistent id ('storage', torch.XStorage, key, location, numel): zip entry data/key. */
    record StorageRef(String key, DType dtype, long numel) {
    }

    /** torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, ...). */
    record TensorRef(StorageRef storage, long offset, long[] size, long[] stride) {
    }

    static final Map<String, DType> STORAGES = Map.ofEntries(
            Map.entry("torch.FloatStorage", DType.F32),
            Map.entry("torch.HalfStorage", DType.F16),
            Map.entry("torch.BFloat16Storage", DType.BF16),
            Map.entry("torch.DoubleStorage", DType.F64),
            Map.entry("torch.LongStorage", DType.I64),
            Map.entry("torch.IntStorage", DType.I32),
            Map.entry("torch.ShortStorage", DType.I16),
            Map.entry("torch.CharStorage", DType.I8),
            Map.entry("torch.ByteStorage", DType.U8),
            Map.entry("torch.BoolStorage", DType.BOOL));

    static final List<String> FUNCTIONS = List.of(
            "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter", "collections.OrderedDict");

    private static final Object MARK = new Object() {
        @Override
        public String toString() {
            return "<mark>";
        }
    };

    private final byte[] b;
    private final Path file;
    private int pos;
    private final List<Object> stack = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();

    private RestrictedUnpickler(byte[] bytes, Path file) {
        this.b = bytes;
        this.file = file;
    }

    /** Reads one pickled object from {@code bytes} (the data.pkl of {@code file}, named in errors). */
    static Object load(byte[] bytes, Path file) {
        try {
            return new RestrictedUnpickler(bytes, file).run();
        } catch (IndexOutOfBoundsException | ClassCastException | ArithmeticException e) {
            throw new WeightException(file + ": malformed pickle data.pkl (" + e.getMessage() + ")", e);
        }
    }

    private Object run() {
        while (true) {
            if (pos >= b.length) {
                throw error("pickle ends without STOP");
            }
            int at = pos;
            int op = b[pos++] & 0xff;
            switch (op) {
                case 0x80 -> pos++;                                    // PROTO n
                case 0x95 -> pos += 8;                                 // FRAME len (framing only)
                case '.' -> {                                          // STOP
                    return pop();
                }
                case '}' -> push(new LinkedHashMap<>());               // EMPTY_DICT
                case ']' -> push(new ArrayList<>());                   // EMPTY_LIST
                case ')' -> push(new Tuple(List.of()));                // EMPTY_TUPLE
                case '(' -> push(MARK);                                // MARK
                case 't' -> push(new Tuple(popMark()));                // TUPLE
                case 0x85 -> push(tupleOf(1));                         // TUPLE1
                case 0x86 -> push(tupleOf(2));                         // TUPLE2
                case 0x87 -> push(tupleOf(3));                         // TUPLE3
                case 'l' -> push(new ArrayList<>(popMark()));          // LIST
                case 'd' -> {                                          // DICT
                    List<Object> kv = popMark();
                    Map<Object, Object> m = new LinkedHashMap<>();
                    putPairs(m, kv);
                    push(m);
                }
                case 'q' -> memo.put((long) u8(), peek());             // BINPUT
                case 'r' -> memo.put(u32(), peek());                   // LONG_BINPUT
                case 0x94 -> memo.put((long) memo.size(), peek());     // MEMOIZE
                case 'h' -> push(memoGet(u8()));                       // BINGET
                case 'j' -> push(memoGet(u32()));                      // LONG_BINGET
                case 'J' -> push((long) le(4).getInt());               // BININT
                case 'K' -> push((long) u8());                         // BININT1
                case 'M' -> push((long) (le(2).getShort() & 0xffff));  // BININT2
                case 0x8a -> push(longBytes(u8()));                    // LONG1
                case 0x8b -> push(longBytes(Math.toIntExact(u32())));  // LONG4
                case 'G' -> push(ByteBuffer.wrap(take(8)).order(ByteOrder.BIG_ENDIAN).getDouble()); // BINFLOAT
                case 'N' -> push(null);                                // NONE
                case 0x88 -> push(Boolean.TRUE);                       // NEWTRUE
                case 0x89 -> push(Boolean.FALSE);                      // NEWFALSE
                case 'X' -> push(utf8(Math.toIntExact(u32())));        // BINUNICODE
                case 0x8c -> push(utf8(u8()));                         // SHORT_BINUNICODE
                case 0x8d -> push(utf8(Math.toIntExact(le(8).getLong()))); // BINUNICODE8
                case 'T' -> push(new String(take(Math.toIntExact(u32())), StandardCharsets.ISO_8859_1)); // BINSTRING
                case 'U' -> push(new String(take(u8()), StandardCharsets.ISO_8859_1)); // SHORT_BINSTRING
                case 'B' -> push(take(Math.toIntExact(u32())));        // BINBYTES
                case 'C' -> push(take(u8()));                          // SHORT_BINBYTES
                case 'c' -> push(global(line(), line(), at));          // GLOBAL module\nname\n
                case 0x93 -> {                                         // STACK_GLOBAL
                    String name = (String) pop();
                    String module = (String) pop();
                    push(global(module, name, at));
                }
                case 'Q' -> push(persistent(pop(), at));               // BINPERSID
                case 'R' -> {                                          // REDUCE
                    Object args = pop();
                    Object fn = pop();
                    push(reduce(fn, args, at));
                }
                case 'b' -> {                                          // BUILD: state of OrderedDict (_metadata) etc.
                    Object state = pop();
                    Object obj = peek();
                    if (!(obj instanceof Map) && !(obj instanceof TensorRef)) {
                        throw error("BUILD on unsupported object " + describe(obj) + " at offset " + at);
                    }
                    if (state != null && !(state instanceof Map) && !(state instanceof Tuple)) {
                        throw error("BUILD with unsupported state " + describe(state) + " at offset " + at);
                    }
                }
                case 's' -> {                                          // SETITEM
                    Object v = pop();
                    Object k = pop();
                    asMap(peek(), at).put(k, v);
                }
                case 'u' -> {                                          // SETITEMS
                    List<Object> kv = popMark();
                    putPairs(asMap(peek(), at), kv);
                }
                case 'a' -> {                                          // APPEND
                    Object v = pop();
                    asList(peek(), at).add(v);
                }
                case 'e' -> {                                          // APPENDS
                    List<Object> vs = popMark();
                    asList(peek(), at).addAll(vs);
                }
                case '0' -> pop();                                     // POP
                case '1' -> popMark();                                 // POP_MARK
                case '2' -> push(peek());                              // DUP
                default -> throw error(String.format("unsupported pickle opcode 0x%02x ('%s') at offset %d", op,
                        op >= 32 && op < 127 ? String.valueOf((char) op) : "?", at));
            }
        }
    }

    private Object global(String module, String name, int at) {
        String full = module + "." + name;
        if (!STORAGES.containsKey(full) && !FUNCTIONS.contains(full)) {
            throw error("refused global '" + full + "' at offset " + at
                    + " (only tensor-rebuilding globals are allowed; this file may be malicious)");
        }
        return new Global(module, name);
    }

    private StorageRef persistent(Object pid, int at) {
        if (!(pid instanceof Tuple t) || t.items().size() < 5 || !"storage".equals(t.items().get(0))
                || !(t.items().get(1) instanceof Global g) || !(t.items().get(2) instanceof String key)
                || !(t.items().get(4) instanceof Long numel)) {
            throw error("unsupported persistent id " + describe(pid) + " at offset " + at);
        }
        DType dtype = STORAGES.get(g.toString());
        if (dtype == null) {
            throw error("persistent id names " + g + ", not a storage type, at offset " + at);
        }
        return new StorageRef(key, dtype, numel);
    }

    private Object reduce(Object fn, Object args, int at) {
        if (!(fn instanceof Global g) || !(args instanceof Tuple t)) {
            throw error("REDUCE of " + describe(fn) + " at offset " + at + " is not allowed");
        }
        List<Object> a = t.items();
        switch (g.toString()) {
            case "collections.OrderedDict" -> {
                Map<Object, Object> m = new LinkedHashMap<>();
                if (!a.isEmpty() && a.get(0) instanceof List<?> pairs) {
                    for (Object p : pairs) {
                        List<Object> kv = ((Tuple) p).items();
                        m.put(kv.get(0), kv.get(1));
                    }
                }
                return m;
            }
            case "torch._utils._rebuild_parameter" -> {
                if (a.isEmpty() || !(a.get(0) instanceof TensorRef tensor)) {
                    throw error("_rebuild_parameter without a tensor at offset " + at);
                }
                return tensor;
            }
            case "torch._utils._rebuild_tensor_v2" -> {
                if (a.size() < 4 || !(a.get(0) instanceof StorageRef s) || !(a.get(1) instanceof Long offset)
                        || !(a.get(2) instanceof Tuple size) || !(a.get(3) instanceof Tuple stride)) {
                    throw error("_rebuild_tensor_v2 with unexpected arguments " + describe(args) + " at offset " + at);
                }
                return new TensorRef(s, offset, longs(size), longs(stride));
            }
            default -> throw error("REDUCE of " + g + " at offset " + at + " is not allowed");
        }
    }

    // ---- stack and byte helpers ----

    private void push(Object o) {
        stack.add(o);
    }

    private Object pop() {
        if (stack.isEmpty()) {
            throw error("pickle stack underflow at offset " + (pos - 1));
        }
        Object o = stack.remove(stack.size() - 1);
        if (o == MARK) {
            throw error("unexpected MARK at offset " + (pos - 1));
        }
        return o;
    }

    private Object peek() {
        if (stack.isEmpty() || stack.get(stack.size() - 1) == MARK) {
            throw error("pickle stack underflow at offset " + (pos - 1));
        }
        return stack.get(stack.size() - 1);
    }

    private List<Object> popMark() {
        int m = stack.lastIndexOf(MARK);
        if (m < 0) {
            throw error("no MARK on the pickle stack at offset " + (pos - 1));
        }
        List<Object> items = new ArrayList<>(stack.subList(m + 1, stack.size()));
        stack.subList(m, stack.size()).clear();
        return items;
    }

    private Tuple tupleOf(int n) {
        Object[] items = new Object[n];
        for (int i = n - 1; i >= 0; i--) {
            items[i] = pop();
        }
        return new Tuple(Arrays.asList(items));
    }

    private Object memoGet(long i) {
        if (!memo.containsKey(i)) {
            throw error("memo key " + i + " not defined at offset " + (pos - 1));
        }
        return memo.get(i);
    }

    private void putPairs(Map<Object, Object> m, List<Object> kv) {
        if (kv.size() % 2 != 0) {
            throw error("odd number of items for a dict at offset " + (pos - 1));
        }
        for (int i = 0; i < kv.size(); i += 2) {
            m.put(kv.get(i), kv.get(i + 1));
        }
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> asMap(Object o, int at) {
        if (!(o instanceof Map)) {
            throw error("SETITEM(S) on " + describe(o) + " at offset " + at);
        }
        return (Map<Object, Object>) o;
    }

    @SuppressWarnings("unchecked")
    private List<Object> asList(Object o, int at) {
        if (!(o instanceof List)) {
            throw error("APPEND(S) on " + describe(o) + " at offset " + at);
        }
        return (List<Object>) o;
    }

    private long[] longs(Tuple t) {
        long[] out = new long[t.items().size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (Long) t.items().get(i);
        }
        return out;
    }

    private int u8() {
        return b[pos++] & 0xff;
    }

    private long u32() {
        return le(4).getInt() & 0xffffffffL;
    }

    private ByteBuffer le(int n) {
        ByteBuffer bb = ByteBuffer.wrap(b, pos, n).order(ByteOrder.LITTLE_ENDIAN);
        if (pos + n > b.length) {
            throw error("pickle truncated at offset " + pos);
        }
        pos += n;
        return bb;
    }

    private byte[] take(int n) {
        if (n < 0 || pos + n > b.length) {
            throw error("pickle truncated at offset " + pos);
        }
        byte[] out = Arrays.copyOfRange(b, pos, pos + n);
        pos += n;
        return out;
    }

    private String utf8(int n) {
        return new String(take(n), StandardCharsets.UTF_8);
    }

    private String line() {
        int start = pos;
        while (pos < b.length && b[pos] != '\n') {
            pos++;
        }
        if (pos >= b.length) {
            throw error("pickle truncated in GLOBAL at offset " + start);
        }
        return new String(b, start, pos++ - start, StandardCharsets.UTF_8);
    }

    /** Little-endian two's-complement integer of n bytes (LONG1/LONG4). */
    private Object longBytes(int n) {
        byte[] le = take(n);
        if (n == 0) {
            return 0L;
        }
        byte[] be = new byte[n];
        for (int i = 0; i < n; i++) {
            be[i] = le[n - 1 - i];
        }
        BigInteger v = new BigInteger(be);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private static String describe(Object o) {
        return o == null ? "None" : o.getClass().getSimpleName() + " " + String.valueOf(o).lines().findFirst().orElse("");
    }

    private WeightException error(String msg) {
        return new WeightException(file + ": " + msg);
    }
}
