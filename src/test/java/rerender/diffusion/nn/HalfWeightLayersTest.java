package rerender.diffusion.nn;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rerender.tensor.Compute;
import rerender.tensor.Tensor;
import rerender.tensor.kernels.Parallel;
import rerender.weights.DType;
import rerender.weights.SafeTensorsWriter;
import rerender.weights.TensorFile;
import rerender.weights.Weights;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Layers loaded from an fp16 file keep fp16 weights and compute exactly what the same values as float32 give. */
class HalfWeightLayersTest {
    @TempDir
    Path dir;

    @Test
    void fp16StoredWeightsStayHalfAndGiveTheFloat32Result() {
        SplittableRandom r = new SplittableRandom(3);
        Map<String, float[]> values = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        put(values, shapes, r, "conv.weight", 5, 3, 3, 3);
        put(values, shapes, r, "conv.bias", 5);
        put(values, shapes, r, "lin.weight", 7, 11);
        put(values, shapes, r, "lin.bias", 7);
        Path f16 = dir.resolve("h.safetensors"), f32 = dir.resolve("f.safetensors");
        SafeTensorsWriter.write(f16, values, shapes, DType.F16);
        SafeTensorsWriter.write(f32, values, shapes, DType.F32);
        float[] xs = new float[2 * 3 * 9 * 7];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = (float) r.nextDouble(-1, 1);
        }
        Tensor x = Tensor.of(xs, 2, 3, 9, 7), tokens = Tensor.of(java.util.Arrays.copyOf(xs, 34 * 11), 2, 17, 11);
        try (Parallel p = new Parallel(2); TensorFile h = TensorFile.open(f16); TensorFile f = TensorFile.open(f32)) {
            Compute c = new Compute(p);
            Weights wh = Weights.of(h), wf = Weights.of(f);
            Conv ch = Conv.load3x3(wh, "conv", 3, 5), cf = Conv.load3x3(wf, "conv", 3, 5);
            Linear lh = Linear.load(wh, "lin", 11, 7), lf = Linear.load(wf, "lin", 11, 7);
            assertTrue(ch.weight().isPacked());
            assertFalse(cf.weight().isPacked());
            assertNotNull(lh.weightHalf());
            assertNull(lf.weightHalf());
            assertArrayEquals(cf.forward(c, x).data(), ch.forward(c, x).data());
            assertArrayEquals(lf.forward(c, tokens).data(), lh.forward(c, tokens).data());
        }
    }

    /** Random values already rounded to fp16, so both files hold the same numbers. */
    private static void put(Map<String, float[]> values, Map<String, long[]> shapes, SplittableRandom r, String name,
                            long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) {
            v[i] = Float.float16ToFloat(Float.floatToFloat16((float) r.nextDouble(-1, 1)));
        }
        values.put(name, v);
        shapes.put(name, shape);
    }
}
