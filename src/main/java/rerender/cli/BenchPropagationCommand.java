// `rerender bench propagation`: quality (PSNR / SSIM / temporal error vs a filtered ground truth) and speed of
// propagation, against warping and copying the nearest key; prints a table and writes JSON. Not a test.
package rerender.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import rerender.pipeline.PropagationSettings;
import rerender.pipeline.bench.PropagationBench;
import rerender.video.io.Crop;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;

@Command(name = "propagation", mixinStandardHelpOptions = true,
        description = {"Propagation quality and speed: each clip's frames are stylised by a filter, the filtered "
                + "key frames are propagated and compared with the filtered in-between frames.",
                "Also runs the reference case: pexels-antoni-shkraba cropped 0,0,0,280 (512x640), frames 11-21 as "
                        + "one segment, cv-stylization."})
public final class BenchPropagationCommand implements Callable<Integer> {
    static final String REFERENCE_CLIP = "pexels-antoni-shkraba";

    @Spec
    CommandSpec spec;

    @Option(names = "--videos", paramLabel = "DIR", defaultValue = "../shared/data/videos",
            description = "folder of clips (default: ${DEFAULT-VALUE})")
    Path videos;

    @Option(names = "--clips", split = ",", description = "clip files or name prefixes in --videos (default: all)")
    List<String> clips;

    @Option(names = "--filters", split = ",", defaultValue = "cartoon,cv-stylization",
            description = "style filters (default: ${DEFAULT-VALUE})")
    List<String> filters;

    @Option(names = "--frames", defaultValue = "31", description = "frames per clip from frame 0 (default: ${DEFAULT-VALUE})")
    int frames;

    @Option(names = "--interval", defaultValue = "10", description = "key interval (default: ${DEFAULT-VALUE})")
    int interval;

    @Option(names = "--resolution", defaultValue = "512", description = "short side (default: ${DEFAULT-VALUE})")
    int resolution;

    @Option(names = "--no-reference", description = "skip the reference case")
    boolean noReference;

    @Option(names = "--reference-only", description = "run only the reference case")
    boolean referenceOnly;

    @Option(names = "--threads", paramLabel = "N", description = "threads for the synthesis (default: all cores)")
    Integer threads;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "bench-out",
            description = "folder for the JSON results and the flow cache (default: ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--verbose", description = "print stack traces of errors")
    boolean verbose;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        ExecutorService pool = null;
        try {
            int n = threads != null ? threads : Runtime.getRuntime().availableProcessors();
            PropagationSettings settings = PropagationSettings.defaults().withThreads(n);
            pool = n > 1 ? Executors.newFixedThreadPool(n) : null;
            List<PropagationBench.Result> results = new ArrayList<>();
            Path flowDir = out.resolve("flows");
            for (PropagationBench.Case c : cases()) {
                results.addAll(PropagationBench.run(c, new boolean[]{false, true}, settings, pool, flowDir, m -> {
                    err.println(m);
                    err.flush();
                }));
            }
            PrintWriter o = spec.commandLine().getOut();
            printTable(o, results);
            Files.createDirectories(out);
            Path json = out.resolve("propagation.json");
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), results);
            o.println("JSON: " + json.toAbsolutePath());
            o.flush();
            return 0;
        } catch (Exception | OutOfMemoryError e) {
            return CliErrors.report("bench propagation", e, verbose, err);
        } finally {
            if (pool != null) {
                pool.shutdownNow();
            }
        }
    }

    List<PropagationBench.Case> cases() throws IOException {
        List<PropagationBench.Case> cases = new ArrayList<>();
        for (Path clip : referenceOnly ? List.<Path>of() : clipPaths()) {
            String name = clip.getFileName().toString().replaceFirst("\\.[^.]*$", "");
            for (String f : filters) {
                cases.add(new PropagationBench.Case(name, clip, Crop.NONE, resolution, 0, frames, interval, f));
            }
        }
        if (!noReference) {
            Path ref = find(REFERENCE_CLIP);
            cases.add(new PropagationBench.Case("reference:" + REFERENCE_CLIP + " 512x640 frames 11-21", ref,
                    new Crop(0, 0, 0, 280), 512, 11, 11, 10, "cv-stylization"));
        }
        return cases;
    }

    List<Path> clipPaths() throws IOException {
        if (clips == null || clips.isEmpty()) {
            try (Stream<Path> s = Files.list(videos)) {
                return s.filter(Files::isRegularFile).sorted().toList();
            } catch (IOException e) {
                throw new IOException("cannot list clips in " + videos + ": " + e.getMessage(), e);
            }
        }
        List<Path> out = new ArrayList<>();
        for (String c : clips) {
            out.add(Files.isRegularFile(Path.of(c)) ? Path.of(c) : find(c));
        }
        return out;
    }

    Path find(String prefix) throws IOException {
        try (Stream<Path> s = Files.list(videos)) {
            return s.filter(p -> p.getFileName().toString().startsWith(prefix)).sorted().findFirst()
                    .orElseThrow(() -> new IOException("no clip named " + prefix + "* in " + videos));
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IOException("clip folder " + videos + " does not exist (give --videos)", e);
        }
    }

    static void printTable(PrintWriter o, List<PropagationBench.Result> results) {
        o.printf("%-44s %-14s %-8s %-8s %13s %13s %8s %8s %8s%n", "case", "filter", "poisson", "method",
                "PSNR near/mid", "SSIM near/mid", "temporal", "s/frame", "blend s");
        for (PropagationBench.Result r : results) {
            String name = r.caseName().length() > 44 ? r.caseName().substring(0, 44) : r.caseName();
            row(o, name, r, "propagate", r.propagated(), String.format("%8.2f %8.3f",
                    r.synthesisSecondsPerFrame() + r.blendSecondsPerFrame(), r.blendSecondsPerFrame()));
            if (!r.poisson()) {
                row(o, name, r, "warp-key", r.warpedKey(), "");
                row(o, name, r, "copy-key", r.nearestKey(), "");
            }
        }
        o.println("near = frames next to a key, mid = the others; temporal = output's flow-compensated frame-to-frame "
                + "error / the ground truth's; s/frame = synthesis (both directions) + blending per in-between frame; "
                + "the Poisson step costs the difference of the blend columns.");
    }

    private static void row(PrintWriter o, String name, PropagationBench.Result r, String method,
                            PropagationBench.Metrics m, String timing) {
        o.printf("%-44s %-14s %-8s %-8s %6.2f/%6.2f %6.3f/%6.3f %8.3f %s%n", name, r.filter(), r.poisson() ? "yes" : "no",
                method, m.psnrNear(), m.psnrMid(), m.ssimNear(), m.ssimMid(), m.temporalRatio(), timing);
    }
}
