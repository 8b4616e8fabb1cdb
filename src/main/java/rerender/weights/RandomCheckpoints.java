// Writes full-size SD 1.5 and ControlNet checkpoints of random fp16 weights (real names and shapes) for benchmarks.
package rerender.weights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The names, shapes and dtypes come from resources copied from the fixtures (sd15-ldm-tensors.json: 1143
 * tensors, 1.066 B parameters, ~2.1 GB in fp16; controlnet-sd15-tensors.json: 340 tensors, 0.361 B).
 * Values: normalisation weights ({@code norm}/{@code layer_norm}/{@code ln_} ... {@code .weight}) are 1, int64
 * buffers ({@code position_ids}) count 0..n-1 along the last axis, everything else is uniform in
 * [-0.02·√3, 0.02·√3] (standard deviation 0.02) from a xorshift64* generator seeded per tensor, so output
 * is deterministic for a seed. Data is streamed tensor by tensor in 64 Ki-element chunks (memory stays small).
 */
public final class RandomCheckpoints {
    public static final String SD15_RESOURCE = "/rerender/weights/sd15-ldm-tensors.json";
    public static final String CONTROLNET_RESOURCE = "/rerender/weights/controlnet-sd15-tensors.json";
    static final float STD = 0.02f;
    private static final int CHUNK = 1 << 16;

    private RandomCheckpoints() {
    }

    /** A single-file SD 1.5 checkpoint (LDM layout: UNet, VAE, CLIP text encoder, schedule buffers), ~2.1 GB. */
    public static void writeSd15(Path out, long seed) {
        write(out, entries(SD15_RESOURCE), seed);
    }

    /** A ControlNet 1.1-layout file (control_model.*), ~0.7 GB. */
    public static void writeControlNet(Path out, long seed) {
        write(out, entries(CONTROLNET_RESOURCE), seed);
    }

    /** Writes random values for {@code entries} (F16/F32/BF16 and I64/I32 supported). */
    public static void write(Path out, List<SafeTensorsWriter.Entry> entries, long seed) {
        try (SafeTensorsWriter w = SafeTensorsWriter.create(out, entries, Map.of("format", "pt", "generator", "rerender RandomCheckpoints seed " + seed))) {
            short[] half = new short[CHUNK];
            float[] floats = new float[CHUNK];
            for (int t = 0; t < entries.size(); t++) {
                SafeTensorsWriter.Entry e = entries.get(t);
                long n = e.numel();
                if (!e.dtype().isFloat()) {
                    long[] shape = e.shape();
                    long last = shape.length == 0 ? 1 : shape[shape.length - 1];
                    long[] v = new long[Math.toIntExact(n)];
                    for (int i = 0; i < v.length; i++) {
                        v[i] = i % last;
                    }
                    w.writeLongs(v);
                    continue;
                }
                boolean one = isNormWeight(e.name());
                long state = mix(seed * 0x9E3779B97F4A7C15L + t + 1);
                float a = STD * (float) Math.sqrt(3);
                for (long done = 0; done < n; done += CHUNK) {
                    int len = (int) Math.min(CHUNK, n - done);
                    if (e.dtype() == DType.F16) {
                        for (int i = 0; i < len; i++) {
                            state = xorshift(state);
                            half[i] = one ? (short) 0x3C00 : Float.floatToFloat16(a * unit(state * 0x2545F4914F6CDD1DL));
                        }
                        w.writeHalfBits(half, 0, len);
                    } else {
                        for (int i = 0; i < len; i++) {
                            state = xorshift(state);
                            floats[i] = one ? 1f : a * unit(state * 0x2545F4914F6CDD1DL);
                        }
                        w.write(floats, 0, len);
                    }
                }
            }
        }
    }

    /** The tensors listed in a resource of the fixture format {"tensors": {name: {"shape": [..], "dtype": ".."}}}. */
    static List<SafeTensorsWriter.Entry> entries(String resource) {
        try (InputStream in = RandomCheckpoints.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("resource " + resource + " missing from the class path");
            }
            JsonNode tensors = new ObjectMapper().readTree(in).get("tensors");
            List<SafeTensorsWriter.Entry> out = new ArrayList<>();
            tensors.properties().forEach(e -> {
                JsonNode s = e.getValue().get("shape");
                long[] shape = new long[s.size()];
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = s.get(i).asLong();
                }
                out.add(new SafeTensorsWriter.Entry(e.getKey(), DType.valueOf(e.getValue().get("dtype").asText()), shape));
            });
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }

    static boolean isNormWeight(String name) {
        if (!name.endsWith(".weight")) {
            return false;
        }
        String module = name.substring(0, name.length() - ".weight".length());
        String last = module.substring(module.lastIndexOf('.') + 1);
        // GroupNorm/LayerNorm: "norm", "norm1", "layer_norm2", "final_layer_norm", "norm_out"; ResBlock in_layers.0 /
        // out_layers.0 and the UNet's final out.0 are GroupNorms too
        return last.contains("norm") || module.endsWith("in_layers.0") || module.endsWith("out_layers.0") || module.endsWith("diffusion_model.out.0");
    }

    /** Uniform in [-1, 1) from the top 24 bits. */
    private static float unit(long x) {
        return ((x >>> 40) - (1 << 23)) * (1f / (1 << 23));
    }

    /** xorshift64* state step (Vigna); the output is state * 0x2545F4914F6CDD1D. */
    private static long xorshift(long x) {
        x ^= x >>> 12;
        x ^= x << 25;
        x ^= x >>> 27;
        return x;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z = z ^ (z >>> 31);
        return z == 0 ? 1 : z;
    }
}
