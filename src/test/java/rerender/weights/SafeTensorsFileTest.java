// Tests of the safetensors reader and the strict Weights view: real tiny fixtures, hand-built files, broken files.
package rerender.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rerender.testutil.Shared;

class SafeTensorsFileTest {
    @TempDir
    Path tmp;

    /** Builds a safetensors file byte by byte: u64-LE header length, the JSON header (as given), the data. */
    static byte[] safetensors(String json, byte[] data) {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        return b.array();
    }

    static byte[] le(short... v) {
        ByteBuffer b = ByteBuffer.allocate(2 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (short s : v) {
            b.putShort(s);
        }
        return b.array();
    }

    static byte[] le(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float s : v) {
            b.putFloat(s);
        }
        return b.array();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            o.writeBytes(p);
        }
        return o.toByteArray();
    }

    Path write(String name, byte[] bytes) throws IOException {
        Path p = tmp.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    @Test
    void handBuiltFileDecodesF32F16Bf16AndI64() throws IOException {
        // 1.5 = 0x3E00 (f16) = 0x3FC0 (bf16); -2 = 0xC000 (f16) = 0xC000 (bf16); 0.25 = 0x3400 (f16) = 0x3E80 (bf16)
        byte[] f32 = le(1.5f, -2f, 0.25f);
        byte[] f16 = le((short) 0x3E00, (short) 0xC000, (short) 0x3400);
        byte[] bf16 = le((short) 0x3FC0, (short) 0xC000, (short) 0x3E80);
        ByteBuffer i64 = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(7).putLong(-3);
        String json = "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]},"
                + "\"b\":{\"dtype\":\"F16\",\"shape\":[1,3],\"data_offsets\":[12,18]},"
                + "\"c\":{\"dtype\":\"BF16\",\"shape\":[3,1],\"data_offsets\":[18,24]},"
                + "\"d\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[24,40]}}";
        Path p = write("hand.safetensors", safetensors(json, concat(f32, f16, bf16, i64.array())));
        try (TensorFile f = TensorFile.open(p)) {
            assertEquals(List.of("a", "b", "c", "d"), List.copyOf(f.keys()));
            float[] want = {1.5f, -2f, 0.25f};
            assertArrayEquals(want, f.get("a").toFloats());
            assertArrayEquals(want, f.get("b").toFloats());
            assertArrayEquals(want, f.get("c").toFloats());
            assertArrayEquals(new long[] {7, -3}, f.get("d").toLongs());
            assertArrayEquals(new long[] {1, 3}, f.get("b").shape());
            assertEquals(DType.BF16, f.get("c").dtype());
            assertEquals("pt", ((SafeTensorsFile) f).metadata().get("format"));
            assertEquals(null, f.get("zz"));
        }
    }

    /** Independent IEEE half decoder: (-1)^s * 2^(e-15) * (1 + m/1024), subnormals 2^-14 * m/1024. */
    static float half(int bits) {
        int sign = (bits >> 15) & 1;
        int e = (bits >> 10) & 0x1f;
        int m = bits & 0x3ff;
        double v;
        if (e == 0) {
            v = Math.scalb(m / 1024.0, -14);
        } else if (e == 31) {
            v = m == 0 ? Double.POSITIVE_INFINITY : Double.NaN;
        } else {
            v = Math.scalb(1 + m / 1024.0, e - 15);
        }
        return (float) (sign == 1 ? -v : v);
    }

    @Test
    void everyHalfValueDecodesLikeTheNaiveDecoder() throws IOException {
        short[] all = new short[65536];
        for (int i = 0; i < all.length; i++) {
            all[i] = (short) i;
        }
        Path p = write("allhalves.safetensors", safetensors(
                "{\"h\":{\"dtype\":\"F16\",\"shape\":[65536],\"data_offsets\":[0,131072]}}", le(all)));
        try (TensorFile f = TensorFile.open(p)) {
            float[] got = f.get("h").toFloats();
            for (int i = 0; i < all.length; i++) {
                float want = half(i);
                if (Float.isNaN(want)) {
                    assertTrue(Float.isNaN(got[i]), "bits " + i);
                } else {
                    assertEquals(want, got[i], 0f, "bits " + i);
                }
            }
            assertArrayEquals(all, f.get("h").toHalfBits());
        }
    }

    @Test
    void tinyFp32AndFp16CheckpointsHoldTheSameFloats() {
        try (TensorFile f32 = TensorFile.open(Shared.tiny("tiny-sd-fp32.safetensors"));
             TensorFile f16 = TensorFile.open(Shared.tiny("tiny-sd-fp16.safetensors"))) {
            assertEquals(f32.keys(), f16.keys());
            assertEquals(515, f32.keys().size());
            int compared = 0;
            for (String k : f32.keys()) {
                StoredTensor a = f32.get(k);
                StoredTensor b = f16.get(k);
                assertArrayEquals(a.shape(), b.shape(), k);
                float[] x = a.toFloats(); // every key readable
                assertEquals(a.numel(), x.length);
                if (a.dtype() == DType.I64) {
                    assertEquals(DType.I64, b.dtype());
                    assertArrayEquals(a.toLongs(), b.toLongs(), k);
                    continue;
                }
                assertEquals(DType.F32, a.dtype());
                assertEquals(DType.F16, b.dtype());
                if (!k.contains(".")) {
                    continue; // schedule buffers: rounded in the fp16 file (fixtures README)
                }
                assertArrayEquals(x, b.toFloats(), 0f, k);
                compared++;
            }
            assertTrue(compared > 500, "compared " + compared);
            long[] pos = f32.get("cond_stage_model.transformer.text_model.embeddings.position_ids").toLongs();
            assertEquals(77, pos.length);
            assertEquals(76, pos[76]);
        }
    }

    @Test
    void truncatedFileNamesFileAndKey() throws IOException {
        byte[] full = Files.readAllBytes(Shared.tiny("tiny-control-fp16.safetensors"));
        byte[] cut = java.util.Arrays.copyOf(full, full.length - 100);
        Path p = write("cut.safetensors", cut);
        WeightException e = assertThrows(WeightException.class, () -> TensorFile.open(p));
        assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        assertTrue(e.getMessage().contains("tensor 'control_model."), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));

        Path headerOnly = write("cut2.safetensors", java.util.Arrays.copyOf(full, 100));
        WeightException e2 = assertThrows(WeightException.class, () -> TensorFile.open(headerOnly));
        assertTrue(e2.getMessage().contains("truncated") && e2.getMessage().contains(headerOnly.toString()), e2.getMessage());
    }

    @Test
    void headerThatLiesIsRefused() throws IOException {
        byte[] data = le(1f, 2f, 3f, 4f);
        // offsets disagree with dtype x shape: [2,2] F32 needs 16 bytes, header says 12
        Path a = write("size.safetensors", safetensors(
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,12]}}", data));
        WeightException e = assertThrows(WeightException.class, () -> TensorFile.open(a));
        assertTrue(e.getMessage().contains("tensor 'w'") && e.getMessage().contains("needs 16") && e.getMessage().contains(a.toString()),
                e.getMessage());
        // overlapping tensors
        Path b = write("overlap.safetensors", safetensors(
                "{\"u\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                        + "\"v\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", data));
        WeightException e2 = assertThrows(WeightException.class, () -> TensorFile.open(b));
        assertTrue(e2.getMessage().contains("overlap") && e2.getMessage().contains("'v'"), e2.getMessage());
        // offsets beyond the end
        Path c = write("beyond.safetensors", safetensors(
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[16,32]}}", data));
        WeightException e3 = assertThrows(WeightException.class, () -> TensorFile.open(c));
        assertTrue(e3.getMessage().contains("tensor 'w'") && e3.getMessage().contains("beyond"), e3.getMessage());
        // insane header length
        byte[] bad = safetensors("{}", data);
        ByteBuffer.wrap(bad).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 40);
        Path d = write("len.safetensors", bad);
        WeightException e4 = assertThrows(WeightException.class, () -> TensorFile.open(d));
        assertTrue(e4.getMessage().contains("header length"), e4.getMessage());
        // unknown dtype, broken JSON
        Path f = write("dtype.safetensors", safetensors("{\"w\":{\"dtype\":\"F8\",\"shape\":[4],\"data_offsets\":[0,4]}}", data));
        assertTrue(assertThrows(WeightException.class, () -> TensorFile.open(f)).getMessage().contains("dtype"));
        Path g = write("json.safetensors", safetensors("{\"w\":{\"dtype\":", data));
        assertTrue(assertThrows(WeightException.class, () -> TensorFile.open(g)).getMessage().contains("JSON"));
        Path h = write("dup.safetensors", safetensors(
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", data));
        assertThrows(WeightException.class, () -> TensorFile.open(h));
    }

    @Test
    void weightsTakeIsStrictAndRecorded() {
        Path file = Shared.tiny("tiny-sd-fp32.safetensors");
        try (TensorFile f = TensorFile.open(file)) {
            Weights root = Weights.of(f);
            Weights unet = root.sub("model.diffusion_model");
            assertTrue(unet.has("input_blocks.0.0.weight"));
            assertArrayEquals(new long[] {32, 4, 3, 3}, unet.shape("input_blocks.0.0.weight"));
            float[] w = unet.take("input_blocks.0.0.weight", 32, 4, 3, 3);
            assertArrayEquals(f.get("model.diffusion_model.input_blocks.0.0.weight").toFloats(), w);

            WeightException missing = assertThrows(WeightException.class, () -> unet.take("input_blocks.0.9.weight", 320, 4, 3, 3));
            assertEquals("missing tensor 'model.diffusion_model.input_blocks.0.9.weight' in " + file + " (expected shape [320, 4, 3, 3])",
                    missing.getMessage());
            WeightException wrong = assertThrows(WeightException.class, () -> unet.take("input_blocks.0.0.bias", 320));
            assertEquals("tensor 'model.diffusion_model.input_blocks.0.0.bias' in " + file + " has shape [32], expected [320]",
                    wrong.getMessage());

            List<String> unused = root.unusedKeys("model.diffusion_model");
            assertFalse(unused.contains("model.diffusion_model.input_blocks.0.0.weight"));
            assertTrue(unused.contains("model.diffusion_model.input_blocks.0.0.bias"));
            assertTrue(unused.stream().allMatch(k -> k.startsWith("model.diffusion_model.")));
            assertEquals(unused, unet.unusedKeys(""));
            assertEquals(root.keys().size() - 1, root.unusedKeys("").size());
            assertTrue(unet.keys().contains("out.2.weight"));
        }
    }

    @Test
    void duplicateKeysAcrossFilesAreAnError() {
        try (TensorFile a = TensorFile.open(Shared.tiny("tiny-control-fp32.safetensors"));
             TensorFile b = TensorFile.open(Shared.tiny("tiny-control-fp16.safetensors"))) {
            WeightException e = assertThrows(WeightException.class, () -> Weights.of(a, b));
            assertTrue(e.getMessage().contains("present in both"), e.getMessage());
            Weights mounted = Weights.mounted("x", b);
            assertTrue(mounted.has("x.control_model.input_blocks.0.0.weight"));
        }
    }

    @Test
    void readingAfterCloseIsAWeightException() {
        TensorFile f = TensorFile.open(Shared.tiny("tiny-control-fp16.safetensors"));
        StoredTensor t = f.get("control_model.input_blocks.0.0.weight");
        f.close();
        f.close();
        assertThrows(WeightException.class, t::toFloats);
    }
}
