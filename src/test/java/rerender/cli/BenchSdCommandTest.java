package rerender.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rerender.testutil.Shared;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** "bench sd" on the tiny fixture models (the full-size random checkpoints are too large for a unit test). */
class BenchSdCommandTest {
    @TempDir
    Path dir;

    @Test
    void benchmarksTinyModelsAndWritesJson() throws Exception {
        Path json = dir.resolve("bench.json");
        ImageCommandTest.Result r = ImageCommandTest.run("bench", "sd", "--dir", dir.toString(),
                "--model", Shared.tiny("tiny-sd-fp16.safetensors").toString(),
                "--controlnet", Shared.tiny("tiny-control-fp16.safetensors").toString(),
                "--model-config", Shared.tiny("config.json").toString(), "--sizes", "64,32", "--repeats", "2",
                "--vae-size", "64", "--threads", "2", "--json", json.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode report = new ObjectMapper().readTree(json.toFile());
        List<String> names = new ArrayList<>();
        for (JsonNode t : report.get("timings")) {
            names.add(t.get("name").asText());
            double best = t.get("best_seconds").asDouble(), median = t.get("median_seconds").asDouble();
            assertTrue(best > 0 && best <= median, t.toString());
            assertTrue(t.get("gflop").asDouble() > 0, t.toString());
            // the FLOP counts belong to SD 1.5 at 512x512, not to a model of another config
            assertTrue(!t.has("issue_gflop") && !t.has("gflops_per_second_issue_count"), t.toString());
        }
        assertEquals(List.of("text encoder (77 tokens)", "ControlNet 64", "UNet 64", "ControlNet 32", "UNet 32",
                "VAE encode 64", "VAE decode 64"), names);
        assertEquals(2, report.get("timings").get(2).get("runs_seconds").size());
        // the UNet at 64 does 4x the convolution work of 32 and more attention: at least 4x the FLOPs
        double unet64 = report.get("timings").get(2).get("gflop").asDouble();
        double unet32 = report.get("timings").get(4).get("gflop").asDouble();
        assertTrue(unet64 >= 4 * unet32 * 0.999, unet64 + " vs " + unet32);
        assertTrue(report.get("peak_rss_gb").asDouble() > 0);
        assertTrue(report.get("targets").has("peak_rss_gb"));
        assertTrue(Files.list(dir).noneMatch(p -> p.toString().endsWith(".safetensors")), "no random checkpoints");
    }

    @Test
    void checkpointsAreWrittenOnceAndRewrittenWhenUnusable() throws Exception {
        Path file = dir.resolve("model.safetensors");
        AtomicInteger writes = new AtomicInteger();
        Path tiny = Shared.tiny("tiny-control-fp16.safetensors");
        BenchSdCommand.ensure(file, p -> {
            writes.incrementAndGet();
            try {
                Files.copy(tiny, p);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertEquals(1, writes.get());
        assertTrue(Files.exists(file) && !Files.exists(dir.resolve("model.safetensors.part")));
        BenchSdCommand.ensure(file, p -> writes.incrementAndGet());
        assertEquals(1, writes.get(), "a valid file is reused");
        Files.write(file, new byte[] {1, 2, 3});
        BenchSdCommand.ensure(file, p -> {
            writes.incrementAndGet();
            try {
                Files.copy(tiny, p);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertEquals(2, writes.get(), "a broken file is written again");
        assertEquals(Files.size(tiny), Files.size(file));
    }

    @Test
    void badOptionsAreOneLineErrors() {
        ImageCommandTest.Result r = ImageCommandTest.run("bench", "sd", "--dir", dir.toString(), "--sizes", "100");
        assertNotEquals(0, r.code());
        assertEquals("rerender bench sd: --sizes must be positive multiples of 64, got 100", r.err().strip());
        r = ImageCommandTest.run("bench", "sd", "--dir", dir.toString(), "--model", "x.safetensors");
        assertNotEquals(0, r.code());
        assertEquals("rerender bench sd: --model and --controlnet go together", r.err().strip());
    }
}
