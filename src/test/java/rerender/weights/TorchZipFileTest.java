// Tests of the PyTorch zip checkpoint reader: pickles written byte by byte here, following the torch.save format.
package rerender.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The files follow what {@code torch.save(state_dict, "x.ckpt")} writes (protocol 2 pickle in a zip):
 * <pre>
 * zip (entries STORED, not compressed):
 *   archive/data.pkl      the pickle below
 *   archive/data/0, /1..  raw little-endian storage bytes, one entry per storage key
 *   archive/version       "3\n"
 * pickle of an OrderedDict state dict:
 *   80 02                                   PROTO 2
 *   'c' "collections\nOrderedDict\n"        GLOBAL       -> callable
 *   'q' 00                                  BINPUT 0     (memo every object, as pickle does)
 *   ')' 'R'                                 EMPTY_TUPLE, REDUCE -> OrderedDict()
 *   '('                                     MARK         start of SETITEMS batch
 *     'X' u32 len + utf8 "a.weight"         BINUNICODE   key
 *     'c' "torch._utils\n_rebuild_tensor_v2\n"  GLOBAL
 *     '(' '('                               MARK (args tuple), MARK (persistent id tuple)
 *       'X' "storage"  'c' "torch\nFloatStorage\n"  'X' "0"  'X' "cpu"  'K' 06   -> ('storage', FloatStorage, '0', 'cpu', 6)
 *     't' 'Q'                               TUPLE, BINPERSID -> storage object
 *     'K' 00                                storage_offset (BININT1)
 *     'K' 02 'K' 03 0x86                    size  = TUPLE2(2, 3)
 *     'K' 03 'K' 01 0x86                    stride= TUPLE2(3, 1)
 *     0x89                                  requires_grad = NEWFALSE
 *     'c' "collections\nOrderedDict\n" ')' 'R'   backward_hooks = OrderedDict()
 *     't' 'R'                               TUPLE, REDUCE -> tensor
 *   ... more key/value pairs ...
 *   'u'                                     SETITEMS
 *   '}' 'b'                                 EMPTY_DICT, BUILD (the _metadata state torch attaches)
 *   '.'                                     STOP
 * </pre>
 * Integers use BININT1 'K' (u8), BININT2 'M' (u16 LE) or BININT 'J' (i32 LE); TUPLE1/2/3 are 0x85/0x86/0x87.
 */
class TorchZipFileTest {
    @TempDir
    Path tmp;

    /** Emits pickle opcodes; each method appends exactly the bytes named. */
    static final class Pickle {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        int memo;

        Pickle op(int... bytes) {
            for (int x : bytes) {
                out.write(x);
            }
            return this;
        }

        Pickle proto() {
            return op(0x80, 2);
        }

        Pickle global(String module, String name) {
            op('c');
            out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8));
            return put();
        }

        /** BINPUT n: memoize the top of the stack under the next index. */
        Pickle put() {
            return op('q', memo++);
        }

        Pickle get(int i) {
            return op('h', i);
        }

        Pickle str(String s) {
            byte[] u = s.getBytes(StandardCharsets.UTF_8);
            op('X');
            out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(u.length).array());
            out.writeBytes(u);
            return put();
        }

        Pickle integer(long v) {
            if (v >= 0 && v < 256) {
                return op('K', (int) v);
            }
            if (v >= 0 && v < 65536) {
                return op('M', (int) (v & 0xff), (int) (v >> 8));
            }
            op('J');
            out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array());
            return this;
        }

        Pickle tuple(long... v) {
            if (v.length == 0) {
                return op(')');
            }
            if (v.length > 3) {
                op('(');
            }
            for (long x : v) {
                integer(x);
            }
            return op(v.length > 3 ? 't' : 0x84 + v.length);
        }

        Pickle emptyOrderedDict() {
            return global("collections", "OrderedDict").op(')', 'R').put();
        }

        /** _rebuild_tensor_v2(persistent storage, offset, size, stride, False, OrderedDict()). */
        Pickle tensor(String storageType, String key, long storageNumel, long offset, long[] size, long[] stride) {
            global("torch._utils", "_rebuild_tensor_v2");
            op('(', '(');
            str("storage").global("torch", storageType).str(key).str("cpu").integer(storageNumel);
            op('t').put().op('Q').put();
            integer(offset).tuple(size).put().tuple(stride).put().op(0x89);
            emptyOrderedDict();
            return op('t').put().op('R').put();
        }

        byte[] stop() {
            op('.');
            return out.toByteArray();
        }
    }

    static byte[] f32(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            b.putFloat(x);
        }
        return b.array();
    }

    Path zip(String name, byte[] pkl, Map<String, byte[]> storages) throws IOException {
        Path p = tmp.resolve(name);
        try (OutputStream os = Files.newOutputStream(p); ZipOutputStream z = new ZipOutputStream(os)) {
            stored(z, "archive/data.pkl", pkl);
            for (var e : storages.entrySet()) {
                stored(z, "archive/data/" + e.getKey(), e.getValue());
            }
            stored(z, "archive/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        }
        return p;
    }

    private static void stored(ZipOutputStream z, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        z.putNextEntry(e);
        z.write(data);
        z.closeEntry();
    }

    /** Storage 0: float32 1..6; storage 1: float16 [9, 0.5, -1, 2] (0x4880, 0x3800, 0xBC00, 0x4000); storage 2: int64 0..2. */
    static Map<String, byte[]> storages() {
        Map<String, byte[]> s = new LinkedHashMap<>();
        s.put("0", f32(1, 2, 3, 4, 5, 6));
        s.put("1", ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN)
                .putShort((short) 0x4880).putShort((short) 0x3800).putShort((short) 0xBC00).putShort((short) 0x4000).array());
        s.put("2", ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN).putLong(0).putLong(1).putLong(2).array());
        return s;
    }

    /** Body of a state dict: a.weight [2,3] f32, a.bias [3] f16 at storage offset 1, pos [1,3] i64, p = Parameter over storage 0. */
    static void stateDictItems(Pickle p) {
        p.str("a.weight").tensor("FloatStorage", "0", 6, 0, new long[] {2, 3}, new long[] {3, 1});
        p.str("a.bias").tensor("HalfStorage", "1", 4, 1, new long[] {3}, new long[] {1});
        p.str("pos").tensor("LongStorage", "2", 3, 0, new long[] {1, 3}, new long[] {3, 1});
        p.str("p").global("torch._utils", "_rebuild_parameter").op('(');
        p.tensor("FloatStorage", "0", 6, 2, new long[] {2, 2}, new long[] {2, 1});
        p.op(0x88).emptyOrderedDict().op('t').put().op('R').put();
    }

    @Test
    void plainStateDict() throws IOException {
        Pickle p = new Pickle().proto().emptyOrderedDict().op('(');
        stateDictItems(p);
        p.op('u').op('}').put().op('b');
        Path f = zip("plain.ckpt", p.stop(), storages());
        try (TensorFile t = TensorFile.open(f)) {
            assertEquals(List.of("a.bias", "a.weight", "p", "pos"), List.copyOf(t.keys()));
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, t.get("a.weight").toFloats());
            assertArrayEquals(new long[] {2, 3}, t.get("a.weight").shape());
            assertArrayEquals(new float[] {0.5f, -1f, 2f}, t.get("a.bias").toFloats());
            assertEquals(DType.F16, t.get("a.bias").dtype());
            assertArrayEquals(new long[] {0, 1, 2}, t.get("pos").toLongs());
            assertArrayEquals(new float[] {3, 4, 5, 6}, t.get("p").toFloats());
            Weights w = Weights.of(t);
            assertArrayEquals(new float[] {0.5f, -1f, 2f}, w.take("a.bias", 3));
        }
    }

    @Test
    void lightningCheckpointTakesStateDictAndIgnoresOtherEntries() throws IOException {
        // {"epoch": 3, "global_step": 470000 (BININT), "state_dict": {...}} as a plain dict built with SETITEMS
        Pickle p = new Pickle().proto().op('}').put().op('(');
        p.str("epoch").integer(3).str("global_step").integer(470000);
        p.str("state_dict").op('}').put().op('(');
        stateDictItems(p);
        p.op('u');
        p.str("lr").op('G', 0x3f, 0x50, 0x62, 0x4d, 0xd2, 0xf1, 0xa9, 0xfc); // BINFLOAT 0.001 (big-endian double)
        p.op('u');
        Path f = zip("lightning.ckpt", p.stop(), storages());
        try (TensorFile t = TensorFile.open(f)) {
            assertEquals(List.of("a.bias", "a.weight", "p", "pos"), List.copyOf(t.keys()));
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, t.get("a.weight").toFloats());
        }
    }

    @Test
    void maliciousPickleIsRefused() throws IOException {
        // the classic payload: os.system("echo pwned") via GLOBAL + REDUCE
        Pickle p = new Pickle().proto().global("os", "system").str("echo pwned").op(0x85, 'R');
        Path f = zip("evil.ckpt", p.stop(), Map.of());
        WeightException e = assertThrows(WeightException.class, () -> TensorFile.open(f));
        assertTrue(e.getMessage().contains("refused global 'os.system'") && e.getMessage().contains(f.toString()), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));

        // protocol-4 style: STACK_GLOBAL builtins.eval hidden as the value of a state-dict entry
        Pickle q = new Pickle().proto().op('}').put().str("x");
        q.op(0x8c, 8).out.writeBytes("builtins".getBytes(StandardCharsets.US_ASCII));
        q.op(0x8c, 4).out.writeBytes("eval".getBytes(StandardCharsets.US_ASCII));
        q.op(0x93).str("1+1").op(0x85, 'R', 's');
        Path g = zip("evil2.pth", q.stop(), Map.of());
        WeightException e2 = assertThrows(WeightException.class, () -> TensorFile.open(g));
        assertTrue(e2.getMessage().contains("refused global 'builtins.eval'"), e2.getMessage());
    }

    @Test
    void nonContiguousMissingStorageAndBadOpcodeAreErrors() throws IOException {
        Pickle p = new Pickle().proto().op('}').put().op('(');
        p.str("t").tensor("FloatStorage", "0", 6, 0, new long[] {2, 3}, new long[] {1, 2});
        p.op('u');
        Path f = zip("strided.ckpt", p.stop(), storages());
        WeightException e = assertThrows(WeightException.class, () -> TensorFile.open(f));
        assertTrue(e.getMessage().contains("tensor 't'") && e.getMessage().contains("not contiguous"), e.getMessage());

        Pickle q = new Pickle().proto().op('}').put().op('(');
        q.str("t").tensor("FloatStorage", "7", 6, 0, new long[] {6}, new long[] {1});
        q.op('u');
        Path g = zip("nostorage.ckpt", q.stop(), storages());
        WeightException e2 = assertThrows(WeightException.class, () -> TensorFile.open(g));
        assertTrue(e2.getMessage().contains("tensor 't'") && e2.getMessage().contains("archive/data/7 is missing"), e2.getMessage());

        Pickle r = new Pickle().proto().op('}').put().op('(');
        r.str("t").tensor("FloatStorage", "0", 4, 0, new long[] {6}, new long[] {1});
        r.op('u');
        Path h = zip("short.ckpt", r.stop(), storages());
        WeightException e3 = assertThrows(WeightException.class, () -> TensorFile.open(h));
        assertTrue(e3.getMessage().contains("exceed its storage"), e3.getMessage());

        Path i = zip("op.ckpt", new Pickle().proto().op('}', 0xff).stop(), Map.of());
        assertTrue(assertThrows(WeightException.class, () -> TensorFile.open(i)).getMessage().contains("unsupported pickle opcode 0xff"));
    }

    @Test
    void zipWithoutDataPklAndLegacyPickleAreRefused() throws IOException {
        Path p = tmp.resolve("other.zip");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(p))) {
            stored(z, "readme.txt", new byte[] {1});
        }
        assertTrue(assertThrows(WeightException.class, () -> TensorFile.open(p)).getMessage().contains("no <dir>/data.pkl"));
        Path legacy = tmp.resolve("old.pth");
        Files.write(legacy, new byte[] {(byte) 0x80, 2, (byte) 0x8a, 10, 0x6c, (byte) 0xfc, (byte) 0x9c, 0x46, (byte) 0xf9, 0x20, 0x6a, (byte) 0xa8, 0x50, 0x19});
        assertTrue(assertThrows(WeightException.class, () -> TensorFile.open(legacy)).getMessage().contains("legacy"));
    }
}
