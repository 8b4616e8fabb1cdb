package rerender.diffusion.annotator;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rerender.tensor.Compute;
import rerender.tensor.Tensor;
import rerender.tensor.kernels.Parallel;
import rerender.weights.DType;
import rerender.weights.SafeTensorsWriter;
import rerender.weights.WeightException;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** HED on small random/hand-set weights under the real file's tensor names (channel counts shrunk). */
class HedDetectorTest {
    static final int[] CHANNELS = {2, 3, 2, 2, 2};
    static final int[] CONVS = {2, 2, 3, 3, 3}; // as ControlNetHED_Apache2

    @TempDir
    Path dir;

    private final Compute c = new Compute(Parallel.serial());

    /** The tensor names and (shrunk) shapes of ControlNetHED.pth. */
    static Map<String, long[]> shapes() {
        Map<String, long[]> s = new LinkedHashMap<>();
        s.put("norm", new long[] {1, 3, 1, 1});
        int in = 3;
        for (int b = 0; b < 5; b++) {
            int out = CHANNELS[b];
            for (int j = 0; j < CONVS[b]; j++) {
                s.put("block" + (b + 1) + ".convs." + j + ".weight", new long[] {out, j == 0 ? in : out, 3, 3});
                s.put("block" + (b + 1) + ".convs." + j + ".bias", new long[] {out});
            }
            s.put("block" + (b + 1) + ".projection.weight", new long[] {1, out, 1, 1});
            s.put("block" + (b + 1) + ".projection.bias", new long[] {1});
            in = out;
        }
        return s;
    }

    /** Writes a weights file whose values are zero except what fill(name, values) sets. */
    private Path write(String file, Map<String, long[]> shapes, BiConsumer<String, float[]> fill) {
        Map<String, float[]> values = new LinkedHashMap<>();
        shapes.forEach((k, s) -> {
            long n = 1;
            for (long d : s) {
                n *= d;
            }
            float[] v = new float[(int) n];
            fill.accept(k, v);
            values.put(k, v);
        });
        Path p = dir.resolve(file);
        SafeTensorsWriter.write(p, values, shapes, DType.F32);
        return p;
    }

    private static byte[] image(int w, int h, java.util.function.IntBinaryOperator red) {
        byte[] rgb = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                rgb[(y * w + x) * 3] = (byte) red.applyAsInt(x, y);
                rgb[(y * w + x) * 3 + 1] = (byte) (37 * x + 11 * y);
                rgb[(y * w + x) * 3 + 2] = (byte) (200 - 5 * y);
            }
        }
        return rgb;
    }

    @Test
    void constantSideOutputsGiveSigmoidOfTheirMeanQuantisedDown() {
        // zero conv weights: every side output is its projection bias, whatever the image
        float[] proj = {-1f, 0.5f, 2f, -0.25f, 0.25f};
        Path p = write("const.safetensors", shapes(), (k, v) -> {
            if (k.endsWith("projection.bias")) {
                v[0] = proj[k.charAt(5) - '1'];
            } else if (k.endsWith(".bias")) {
                java.util.Arrays.fill(v, 0.3f);
            }
        });
        HedDetector hed = HedDetector.load(p);
        int w = 40, h = 24; // pooled sizes 20x12, 10x6, 5x3, 2x1
        Tensor hint = hed.detect(c, image(w, h, (x, y) -> x * y), w, h);
        assertArrayEquals(new int[] {1, 3, h, w}, hint.shape());
        // mean = 1.5 / 5 = 0.3; sigmoid(0.3) = 0.574442516811659; * 255 = 146.48 -> 146
        for (float v : hint.data()) {
            assertEquals(146 / 255f, v, 0f);
        }
    }

    @Test
    void rampThroughTwoStagesMatchesHandComputedMap() {
        // block 1 and 2 pass the red channel minus norm (centre taps 1, ReLU keeps it positive); projections 1 and 2
        // take 0.05 of it; blocks 3-5 project zero. Red = 10 + 8x, norm red = 4 -> stage 1: 6 + 8x.
        // Stage 2 max-pools 2x2 -> 14 + 16i at half resolution; INTER_LINEAR back to full size is linear inside
        // (10 + 8x) and clamps at the borders (x = 0: 14; x = 15: 14 + 16 * 7 = 126).
        Path p = write("ramp.safetensors", shapes(), (k, v) -> {
            if (k.equals("norm")) {
                v[0] = 4;
                v[1] = 100;
                v[2] = 100;
            } else if ((k.startsWith("block1.convs") || k.startsWith("block2.convs")) && k.endsWith(".weight")) {
                v[4] = 1; // [o=0, c=0, 1, 1]
            } else if (k.equals("block1.projection.weight") || k.equals("block2.projection.weight")) {
                v[0] = 0.05f;
            }
        });
        HedDetector hed = HedDetector.load(p);
        int w = 16, h = 16;
        byte[] rgb = image(w, h, (x, y) -> 10 + 8 * x);
        float[] prob = hed.edgeProbability(c, rgb, w, h);
        Tensor hint = hed.detect(c, rgb, w, h);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double s1 = 6 + 8 * x;
                double s2 = x == 0 ? 14 : x == w - 1 ? 126 : 10 + 8 * x;
                double expect = 1 / (1 + Math.exp(-0.05 * (s1 + s2) / 5));
                assertEquals(expect, prob[y * w + x], 2e-6, "x " + x + " y " + y);
                float q = (float) Math.floor(prob[y * w + x] * 255.0) / 255f;
                for (int ch = 0; ch < 3; ch++) {
                    assertEquals(q, hint.data()[(ch * h + y) * w + x], 0f);
                }
            }
        }
        // e.g. x = 3: 0.05 * (30 + 34) / 5 = 0.64 -> sigmoid 0.65475 -> 166.96 -> 166
        assertEquals(166 / 255f, hint.data()[3], 0f);
    }

    @Test
    void loadingIsStrict() {
        Map<String, long[]> missing = shapes();
        missing.remove("block3.projection.bias");
        Path a = write("missing.safetensors", missing, (k, v) -> { });
        WeightException e = assertThrows(WeightException.class, () -> HedDetector.load(a));
        assertTrue(e.getMessage().contains("block3.projection.bias"), e.getMessage());

        Map<String, long[]> extra = shapes();
        extra.put("block6.convs.0.weight", new long[] {2, 2, 3, 3});
        Path b = write("extra.safetensors", extra, (k, v) -> { });
        e = assertThrows(WeightException.class, () -> HedDetector.load(b));
        assertTrue(e.getMessage().contains("block6.convs.0.weight"), e.getMessage());

        assertThrows(IllegalArgumentException.class, () -> HedDetector.load(write("ok.safetensors", shapes(), (k, v) -> { }))
                .detect(c, new byte[8 * 8 * 3], 8, 8), "too small for four poolings");
    }
}
