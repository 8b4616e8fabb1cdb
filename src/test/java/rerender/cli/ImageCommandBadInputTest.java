package rerender.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rerender.testutil.Shared;
import rerender.weights.DType;
import rerender.weights.SafeTensorsWriter;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Broken files and arguments given to the image command: one-line errors (or a warning), never a stack trace. */
class ImageCommandBadInputTest {
    @TempDir
    Path dir;

    private final String config = Shared.tiny("config.json").toString();

    /** Runs the image command on model (tiny config) plus extra arguments and checks a one-line refusal. */
    private String refused(String model, String... extra) {
        List<String> args = new ArrayList<>(List.of("image", "--model", model, "--model-config", config,
                "--output", dir.resolve("out.png").toString()));
        for (String[] dflt : new String[][] {{"--width", "64"}, {"--height", "64"}, {"--steps", "1"}}) {
            if (!Arrays.asList(extra).contains(dflt[0])) {
                args.addAll(List.of(dflt));
            }
        }
        args.addAll(Arrays.asList(extra));
        ImageCommandTest.Result r = ImageCommandTest.run(args.toArray(String[]::new));
        String msg = r.err().strip();
        assertNotEquals(0, r.code(), msg);
        assertFalse(msg.contains("\tat ") || msg.contains("Exception in"), "stack trace: " + msg);
        List<String> lines = msg.lines().filter(l -> !l.startsWith("warning:")).toList();
        assertEquals(1, lines.size(), msg);
        assertTrue(lines.get(0).startsWith("rerender image: "), msg);
        assertFalse(Files.exists(dir.resolve("out.png")));
        return lines.get(0);
    }

    private Path safetensors(String name, Map<String, long[]> shapes) {
        Map<String, float[]> values = new java.util.LinkedHashMap<>();
        shapes.forEach((k, s) -> values.put(k, new float[(int) Arrays.stream(s).reduce(1, (a, b) -> a * b)]));
        Path p = dir.resolve(name);
        SafeTensorsWriter.write(p, values, shapes, DType.F32);
        return p;
    }

    @Test
    void truncatedCheckpoint() throws Exception {
        byte[] full = Files.readAllBytes(Shared.tiny("tiny-sd-fp32.safetensors"));
        Path cut = dir.resolve("cut.safetensors");
        Files.write(cut, Arrays.copyOf(full, full.length / 2));
        String msg = refused(cut.toString());
        assertTrue(msg.contains("cut.safetensors") && msg.contains("truncated"), msg);
    }

    @Test
    void headerLyingAboutOffsets() throws Exception {
        String json = "{\"model.diffusion_model.input_blocks.0.0.weight\":{\"dtype\":\"F32\",\"shape\":[2,4,1,1],"
                + "\"data_offsets\":[0,4000]}}";
        byte[] header = json.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < 8; i++) {
            out.write((int) ((long) header.length >>> (8 * i)) & 0xff);
        }
        out.write(header);
        out.write(new byte[32]); // 8 floats of data, the header claims 4000 bytes
        Path lying = dir.resolve("lying.safetensors");
        Files.write(lying, out.toByteArray());
        String msg = refused(lying.toString());
        assertTrue(msg.contains("lying.safetensors"), msg);
    }

    @Test
    void wrongArchitectureCheckpoints() {
        Path sdxl = safetensors("sdxl.safetensors", Map.of(
                "model.diffusion_model.input_blocks.0.0.weight", new long[] {8, 4, 3, 3},
                "model.diffusion_model.label_emb.0.0.weight", new long[] {8, 16},
                "conditioner.embedders.0.transformer.text_model.final_layer_norm.weight", new long[] {8}));
        assertTrue(refused(sdxl.toString()).contains("SDXL"));
        Path sd2 = safetensors("sd2.safetensors", Map.of(
                "model.diffusion_model.input_blocks.0.0.weight", new long[] {8, 4, 3, 3},
                "cond_stage_model.model.ln_final.weight", new long[] {8}));
        assertTrue(refused(sd2.toString()).contains("SD 2"));
        // an SD 1.x layout whose shapes do not fit the model config: the tiny checkpoint with the SD 1.5 config
        ImageCommandTest.Result r = ImageCommandTest.run("image", "--model",
                Shared.tiny("tiny-sd-fp32.safetensors").toString(), "--output", dir.resolve("out.png").toString(),
                "--width", "64", "--height", "64");
        assertNotEquals(0, r.code());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("expected"), r.err());
    }

    @Test
    void controlNetNotMatching() {
        Path diffusers = safetensors("cn-diffusers.safetensors", Map.of(
                "controlnet_cond_embedding.conv_in.weight", new long[] {16, 3, 3, 3}));
        Path hint = dir.resolve("hint.png");
        String msg = refused(Shared.tiny("tiny-sd-fp32.safetensors").toString(), "--controlnet", diffusers.toString(),
                "--hint", hint.toString());
        assertTrue(msg.contains("diffusers"), msg);
    }

    @Test
    void pickleNamingANonTensorGlobal() throws Exception {
        Path evil = dir.resolve("evil.ckpt");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(evil))) {
            z.putNextEntry(new ZipEntry("archive/data.pkl"));
            // protocol 2: GLOBAL os.system, string 'echo pwned', TUPLE1, REDUCE, STOP
            z.write(new byte[] {(byte) 0x80, 2});
            z.write("cos\nsystem\n".getBytes(StandardCharsets.US_ASCII));
            z.write(new byte[] {'X', 10, 0, 0, 0});
            z.write("echo pwned".getBytes(StandardCharsets.US_ASCII));
            z.write(new byte[] {(byte) 0x85, 'R', '.'});
            z.closeEntry();
        }
        String msg = refused(evil.toString());
        assertTrue(msg.contains("os") && msg.contains("system"), msg);
    }

    @Test
    void badArguments() throws Exception {
        String model = Shared.tiny("tiny-sd-fp32.safetensors").toString();
        assertTrue(refused(model, "--width", "60").contains("multiples of 8"));
        assertTrue(refused(model, "--steps", "0").contains("--steps"));
        assertTrue(refused(model, "--freeu", "1.1,1.2,1.0").contains("b1,b2,s1,s2"));
        Path img = dir.resolve("img.png");
        new rerender.video.FloatImage(64, 64, 3).writePng(img);
        assertTrue(refused(model, "--controlnet", Shared.tiny("tiny-control-fp32.safetensors").toString(),
                "--control", "hed", "--control-image", img.toString()).contains("--hed-weights"));
        // HED weights that are not the HED network
        String msg = refused(model, "--controlnet", Shared.tiny("tiny-control-fp32.safetensors").toString(),
                "--control", "hed", "--control-image", img.toString(), "--hed-weights", model);
        assertTrue(msg.contains("norm"), msg);
    }

    @Test
    void hedControlMapFeedsTheControlNet() throws Exception {
        // HED weights with every value zero: each side output is 0, edge = sigmoid(0) = 0.5 -> 127 -> hint 127/255,
        // the same hint as a PNG filled with 127. Both runs must give the same latent.
        Map<String, long[]> shapes = new java.util.LinkedHashMap<>();
        shapes.put("norm", new long[] {1, 3, 1, 1});
        int in = 3;
        int[] convs = {2, 2, 3, 3, 3};
        for (int b = 1; b <= 5; b++) {
            for (int j = 0; j < convs[b - 1]; j++) {
                shapes.put("block" + b + ".convs." + j + ".weight", new long[] {4, j == 0 ? in : 4, 3, 3});
                shapes.put("block" + b + ".convs." + j + ".bias", new long[] {4});
            }
            shapes.put("block" + b + ".projection.weight", new long[] {1, 4, 1, 1});
            shapes.put("block" + b + ".projection.bias", new long[] {1});
            in = 4;
        }
        Path hed = safetensors("hed.safetensors", shapes);
        Path image = dir.resolve("img.png"), grey = dir.resolve("grey.png");
        rerender.video.FloatImage photo = new rerender.video.FloatImage(64, 64, 3);
        for (int i = 0; i < photo.data.length; i++) {
            photo.data[i] = (i * 37) % 256;
        }
        photo.writePng(image);
        rerender.video.FloatImage g = new rerender.video.FloatImage(64, 64, 3);
        Arrays.fill(g.data, 127);
        g.writePng(grey);
        String model = Shared.tiny("tiny-sd-fp32.safetensors").toString();
        String control = Shared.tiny("tiny-control-fp32.safetensors").toString();
        Path a = dir.resolve("a.safetensors"), b = dir.resolve("b.safetensors");
        ImageCommandTest.Result r1 = ImageCommandTest.run("image", "--model", model, "--model-config", config,
                "--controlnet", control, "--control", "hed", "--control-image", image.toString(), "--hed-weights",
                hed.toString(), "--steps", "2", "--save-latent", a.toString(), "--output", dir.resolve("a.png").toString());
        assertEquals(0, r1.code(), r1.err());
        ImageCommandTest.Result r2 = ImageCommandTest.run("image", "--model", model, "--model-config", config,
                "--controlnet", control, "--hint", grey.toString(), "--width", "64", "--height", "64", "--steps", "2",
                "--save-latent", b.toString(), "--output", dir.resolve("b.png").toString());
        assertEquals(0, r2.code(), r2.err());
        try (var fa = rerender.weights.TensorFile.open(a); var fb = rerender.weights.TensorFile.open(b)) {
            // the PNG route gives 127/127.5*0.5+0.5, one float ulp away from 127/255
            org.junit.jupiter.api.Assertions.assertArrayEquals(fb.get("samples").toFloats(), fa.get("samples").toFloats(),
                    1e-5f);
        }
    }

    @Test
    void promptOverSeventySevenTokensIsAWarningNotAnError() {
        String prompt = String.join(" ", java.util.Collections.nCopies(90, "cat"));
        ImageCommandTest.Result r = ImageCommandTest.run("image", "--model",
                Shared.tiny("tiny-sd-fp32.safetensors").toString(), "--model-config", config, "--prompt", prompt,
                "--width", "64", "--height", "64", "--steps", "1", "--threads", "2",
                "--output", dir.resolve("long.png").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("warning: --prompt has 90 tokens; truncated to 75"), r.err());
        assertTrue(Files.exists(dir.resolve("long.png")));
    }
}
