package rerender.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import rerender.diffusion.Fixture;
import rerender.diffusion.clip.ClipTokenizer;
import rerender.tensor.Tensor;
import rerender.testutil.Shared;
import rerender.video.FloatImage;
import rerender.weights.DType;
import rerender.weights.SafeTensorsWriter;
import rerender.weights.StoredTensor;
import rerender.weights.TensorFile;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageCommandTest {
    /** The prompt of row 0 of the reference CLIP input (clip.json); the tokenizer must reproduce its ids. */
    static final String PROMPT = "a photo of a cat, cut lit";

    @TempDir
    Path dir;

    @Test
    void tinyEndToEndWithInitNoiseMatchesReferenceLatent() throws Exception {
        try (Fixture clip = new Fixture("clip")) {
            int[] ids = clip.ints("input_ids");
            assertArrayEquals(Arrays.copyOf(ids, 77), ClipTokenizer.load().encode(PROMPT), "prompt tokens");
            assertArrayEquals(Arrays.copyOfRange(ids, 77, 154), ClipTokenizer.load().encode(""), "empty prompt");
        }
        Path noise = dir.resolve("noise.safetensors"), hint = dir.resolve("hint.safetensors");
        Path latent = dir.resolve("latent.safetensors"), png = dir.resolve("out.png");
        try (Fixture f = new Fixture("ddim4_cfg")) {
            write(noise, "x_T", f.tensor("x_T"));
            write(hint, "hint", f.tensor("hint"));
        }
        Result r = run("image", "--model", Shared.tiny("tiny-sd-fp16.safetensors").toString(),
                "--model-config", Shared.tiny("config.json").toString(),
                "--controlnet", Shared.tiny("tiny-control-fp16.safetensors").toString(),
                "--hint", hint.toString(), "--prompt", PROMPT, "--negative", "", "--steps", "4", "--cfg", "7.5",
                "--width", "64", "--height", "64", "--init-noise", noise.toString(),
                "--save-latent", latent.toString(), "--output", png.toString(), "--threads", "2");
        assertEquals(0, r.code, r.err);
        try (Fixture f = new Fixture("ddim4_cfg"); TensorFile out = TensorFile.open(latent)) {
            StoredTensor s = out.get("samples");
            Tensor samples = Tensor.of(s.toFloats(), 1, 4, 8, 8);
            Fixture.assertClose("image command latent", samples, f.tensor("samples"), 1e-3);
        }
        FloatImage img = FloatImage.read(png);
        assertEquals(64, img.width);
        assertEquals(64, img.height);
        // 8-bit values as the reference makes them: (x * 127.5 + 127.5).clip(0, 255).astype(uint8), i.e. truncated,
        // from the reference's decoded image; our decode differs in the last bits, so a value sitting on an integer
        // boundary may land one lower or higher, but rounding instead of truncating would miss about half of them
        try (Fixture f = new Fixture("ddim4_cfg")) {
            float[] ref = f.tensor("image").data();
            int plane = 64 * 64, exact = 0;
            for (int i = 0; i < plane; i++) {
                for (int ch = 0; ch < 3; ch++) {
                    double v = Math.floor(Math.min(255, Math.max(0, ref[ch * plane + i] * 127.5 + 127.5)));
                    double got = img.data[i * img.channels + ch];
                    assertTrue(Math.abs(got - v) <= 1, "pixel " + i + " channel " + ch + ": " + got + " vs " + v);
                    exact += got == v ? 1 : 0;
                }
            }
            assertTrue(exact >= 0.99 * 3 * plane, exact + " of " + 3 * plane + " values equal the reference's");
        }
    }

    @Test
    void controlAndInitImagesAreResizedOnEightBitPixels() {
        // 2x2 blocks of one value each: area interpolation to half size gives exactly the block values
        FloatImage blocks = new FloatImage(8, 8, 3);
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) {
                for (int ch = 0; ch < 3; ch++) {
                    blocks.data[(y * 8 + x) * 3 + ch] = (y / 2 * 4 + x / 2) * 16 + ch;
                }
            }
        }
        FloatImage half = ImageCommand.resize(blocks, 4, 4);
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                for (int ch = 0; ch < 3; ch++) {
                    assertEquals((y * 4 + x) * 16 + ch, half.data[(y * 4 + x) * 3 + ch], 0.0);
                }
            }
        }
        // enlarging a noisy image with Lanczos overshoots and lands between levels in float; on 8-bit pixels (as the
        // reference's cv2.resize of a uint8 image) every value is a whole number in 0..255
        FloatImage noisy = new FloatImage(5, 4, 3);
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        for (int i = 0; i < noisy.data.length; i++) {
            noisy.data[i] = r.nextInt(2) * 255;
        }
        FloatImage big = ImageCommand.resize(noisy, 13, 11);
        for (float v : big.data) {
            assertTrue(v >= 0 && v <= 255 && v == Math.rint(v), "value " + v);
        }
    }

    @Test
    void badInputGivesOneLineErrorAndNonZeroExit() {
        String model = Shared.tiny("tiny-sd-fp32.safetensors").toString();
        String config = Shared.tiny("config.json").toString();
        List<String[]> bad = new ArrayList<>();
        bad.add(new String[] {"image", "--model", model, "--model-config", config, "--width", "60", "--height", "64",
                "--output", dir.resolve("a.png").toString()});
        bad.add(new String[] {"image", "--model", model, "--model-config", config, "--steps", "0",
                "--output", dir.resolve("a.png").toString()});
        bad.add(new String[] {"image", "--model", dir.resolve("missing.safetensors").toString(),
                "--output", dir.resolve("a.png").toString()});
        // a ControlNet whose channels do not fit the UNet (tiny ControlNet against SD 1.5 layout config)
        bad.add(new String[] {"image", "--model", model, "--model-config", config, "--controlnet", model,
                "--hint", dir.resolve("none.png").toString(), "--output", dir.resolve("a.png").toString()});
        for (String[] args : bad) {
            Result r = run(args);
            assertNotEquals(0, r.code, String.join(" ", args));
            String msg = r.err.strip();
            assertFalse(msg.isEmpty(), "no message for " + String.join(" ", args));
            assertFalse(msg.contains("\tat "), "stack trace for " + String.join(" ", args) + ": " + msg);
            assertTrue(msg.lines().count() <= 2, msg);
        }
        assertFalse(Files.exists(dir.resolve("a.png")));
    }

    record Result(int code, String err) {
    }

    static Result run(String... args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream old = System.err;
        System.setErr(new PrintStream(err, true));
        try {
            int code = new CommandLine(new Main()).execute(args);
            return new Result(code, err.toString());
        } finally {
            System.setErr(old);
        }
    }

    private static void write(Path p, String name, Tensor t) {
        SafeTensorsWriter.write(p, Map.of(name, t.data()),
                Map.of(name, Arrays.stream(t.shape()).asLongStream().toArray()), DType.F32);
    }
}
