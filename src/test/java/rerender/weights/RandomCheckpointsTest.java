// Tests of the random checkpoint writer on small tensor lists (full-size files are too big for tests).
package rerender.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rerender.testutil.Shared;

class RandomCheckpointsTest {
    @TempDir
    Path tmp;

    static final List<SafeTensorsWriter.Entry> SMALL = List.of(
            new SafeTensorsWriter.Entry("model.diffusion_model.input_blocks.0.0.weight", DType.F16, new long[] {32, 4, 3, 3}),
            new SafeTensorsWriter.Entry("model.diffusion_model.big.weight", DType.F16, new long[] {300, 700}), // > one 64 Ki chunk
            new SafeTensorsWriter.Entry("first_stage_model.decoder.norm_out.weight", DType.F16, new long[] {64}),
            new SafeTensorsWriter.Entry("cond_stage_model.transformer.text_model.embeddings.position_ids", DType.I64, new long[] {1, 77}),
            new SafeTensorsWriter.Entry("x.empty", DType.F16, new long[] {0}),
            new SafeTensorsWriter.Entry("x.f32", DType.F32, new long[] {5, 7}));

    @Test
    void smallListRoundTripsWithTheIntendedStatistics() throws IOException {
        Path a = tmp.resolve("a.safetensors");
        RandomCheckpoints.write(a, SMALL, 42);
        try (TensorFile f = TensorFile.open(a)) {
            assertEquals(SMALL.size(), f.keys().size());
            for (SafeTensorsWriter.Entry e : SMALL) {
                assertArrayEquals(e.shape(), f.get(e.name()).shape(), e.name());
                assertEquals(e.dtype(), f.get(e.name()).dtype(), e.name());
            }
            float[] big = f.get("model.diffusion_model.big.weight").toFloats();
            double mean = Arrays.stream(toDouble(big)).average().orElseThrow();
            double var = Arrays.stream(toDouble(big)).map(x -> (x - mean) * (x - mean)).sum() / big.length;
            assertEquals(0, mean, 5e-4);
            assertEquals(RandomCheckpoints.STD, Math.sqrt(var), 1e-3);
            float bound = RandomCheckpoints.STD * (float) Math.sqrt(3) * 1.001f;
            for (float x : big) {
                assertTrue(Math.abs(x) <= bound);
            }
            float[] norm = f.get("first_stage_model.decoder.norm_out.weight").toFloats();
            for (float x : norm) {
                assertEquals(1f, x);
            }
            long[] pos = f.get("cond_stage_model.transformer.text_model.embeddings.position_ids").toLongs();
            for (int i = 0; i < 77; i++) {
                assertEquals(i, pos[i]);
            }
            assertEquals(0, f.get("x.empty").toFloats().length);
            float[] f32 = f.get("x.f32").toFloats();
            assertTrue(Arrays.stream(toDouble(f32)).distinct().count() > 30);
        }
        Path b = tmp.resolve("b.safetensors");
        Path c = tmp.resolve("c.safetensors");
        RandomCheckpoints.write(b, SMALL, 42);
        RandomCheckpoints.write(c, SMALL, 43);
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b), "same seed, same bytes");
        assertFalse(Arrays.equals(Files.readAllBytes(a), Files.readAllBytes(c)));
        assertFalse(Files.exists(tmp.resolve("a.safetensors.tmp")));
    }

    @Test
    void resourceListsMatchTheFixturesAndTheLayout() {
        List<SafeTensorsWriter.Entry> sd = RandomCheckpoints.entries(RandomCheckpoints.SD15_RESOURCE);
        List<SafeTensorsWriter.Entry> cn = RandomCheckpoints.entries(RandomCheckpoints.CONTROLNET_RESOURCE);
        assertEquals(1143, sd.size());
        assertEquals(340, cn.size());
        long params = sd.stream().mapToLong(SafeTensorsWriter.Entry::numel).sum();
        assertEquals(1.066e9, params, 0.001e9);
        assertEquals(0.361e9, cn.stream().mapToLong(SafeTensorsWriter.Entry::numel).sum(), 0.001e9);
        // the same list the layout tests use: accepted by CheckpointLayout
        TensorFile full = MemoryTensorFile.fromJson(Shared.fixtures().resolve("sd15-ldm-tensors.json"), "x");
        assertEquals(full.keys().size(), sd.stream().map(SafeTensorsWriter.Entry::name).filter(full.keys()::contains).count());
        assertTrue(RandomCheckpoints.isNormWeight("model.diffusion_model.input_blocks.1.0.in_layers.0.weight"));
        assertTrue(RandomCheckpoints.isNormWeight("cond_stage_model.transformer.text_model.final_layer_norm.weight"));
        assertFalse(RandomCheckpoints.isNormWeight("model.diffusion_model.input_blocks.1.0.in_layers.2.weight"));
        assertFalse(RandomCheckpoints.isNormWeight("model.diffusion_model.input_blocks.1.0.in_layers.0.bias"));
    }

    @Test
    void writerRefusesIncompleteAndOverfullTensors() {
        Path p = tmp.resolve("w.safetensors");
        SafeTensorsWriter w = SafeTensorsWriter.create(p, List.of(new SafeTensorsWriter.Entry("t", DType.F16, new long[] {4})), java.util.Map.of());
        w.write(new float[] {1, 2, 3});
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> w.write(new float[] {4, 5}));
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, w::close);
        assertTrue(e.getMessage().contains("incomplete"));
        assertFalse(Files.exists(p));
        assertFalse(Files.exists(tmp.resolve("w.safetensors.tmp")));
    }

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
