// `rerender sample`: the whole propagation workflow on the bundled clip, no model weights needed — key frames are
// stylised with a deterministic classical filter (cartoon by default) and propagated to every frame.
package rerender.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import rerender.pipeline.KeySchedule;
import rerender.pipeline.Propagation;
import rerender.pipeline.PropagationPlan;
import rerender.pipeline.PropagationSettings;
import rerender.video.FloatImage;
import rerender.video.io.Crop;
import rerender.video.io.FramePreparation;
import rerender.video.io.VideoReadOptions;
import rerender.video.io.VideoSource;
import rerender.video.style.StyleFilter;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "sample", mixinStandardHelpOptions = true,
        description = {"Run the propagation workflow on the bundled sample clip (sample/clip.mp4): stylise the key "
                + "frames with a classical filter, propagate, write sample-out/sample.mp4 and its frames."})
public final class SampleCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    PropagationRunOptions run = new PropagationRunOptions();

    @Option(names = "--clip", paramLabel = "IN", description = "input clip (default: the bundled sample/clip.mp4)")
    Path clip;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "sample-out",
            description = "output folder (default: ${DEFAULT-VALUE})")
    Path outDir;

    @Option(names = "--filter", defaultValue = "cartoon",
            description = "style filter for the key frames: cartoon, painterly, cv-stylization (default: ${DEFAULT-VALUE})")
    String filter;

    @Option(names = "--interval", defaultValue = "10", description = "key frame interval (default: ${DEFAULT-VALUE})")
    int interval;

    @Option(names = "--resolution", defaultValue = "256", description = "short side (default: ${DEFAULT-VALUE})")
    int resolution;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        try {
            Path input = clip != null ? clip : bundledClip();
            FramePreparation prep = new FramePreparation(Crop.NONE, resolution);
            StyleFilter style = StyleFilter.byName(filter);
            Path keys = outDir.resolve("keys-" + filter);
            PropagationPlan plan = writeKeys(input, prep, style, interval, keys, err);
            PropagationSettings settings = run.applyTo(PropagationSettings.defaults().withPreparation(prep));
            Path video = outDir.resolve("sample.mp4"), frames = outDir.resolve("frames");
            Propagation.Report r = new Propagation().run(new Propagation.Job(input, keys, KeySchedule.at(plan.keys()),
                    video, frames, outDir.resolve("work"), settings), new ConsoleProgress("sample", err, run.quiet));
            PrintWriter out = spec.commandLine().getOut();
            out.printf("stylised keys (%s): %s%n", filter, keys.toAbsolutePath());
            out.printf("video:  %s (%d frames, %dx%d) in %.1f s%n", video.toAbsolutePath(), r.frameCount(), r.width(),
                    r.height(), r.seconds());
            out.printf("frames: %s%n", frames.toAbsolutePath());
            out.flush();
            return 0;
        } catch (Exception | OutOfMemoryError e) {
            return CliErrors.report("sample", e, run.verbose, err);
        }
    }

    /** Stylises frames 0, K, 2K, … and the last one of the prepared clip into {@code dir} as %04d.png. */
    static PropagationPlan writeKeys(Path input, FramePreparation prep, StyleFilter style, int interval, Path dir,
                                     PrintWriter err) throws IOException {
        List<FloatImage> frames;
        try (VideoSource src = VideoSource.open(input, VideoReadOptions.DEFAULT.withPreparation(prep))) {
            frames = src.readAll();
        }
        PropagationPlan plan = PropagationPlan.everyKth(frames.size(), interval);
        Files.createDirectories(dir);
        for (int k : plan.keys()) {
            style.apply(frames.get(k)).writePng(dir.resolve(String.format("%04d.png", k)));
        }
        err.println("stylised " + plan.keys().length + " key frames with " + style.name() + " into " + dir);
        err.flush();
        return plan;
    }

    /** sample/clip.mp4 in the current folder, else beside the build output (target/classes -> project root). */
    static Path bundledClip() throws IOException {
        Path here = Path.of("sample", "clip.mp4");
        if (Files.isRegularFile(here)) {
            return here;
        }
        try {
            Path classes = Path.of(SampleCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path root = classes.getParent() == null ? null : classes.getParent().getParent();
            if (root != null && Files.isRegularFile(root.resolve("sample/clip.mp4"))) {
                return root.resolve("sample/clip.mp4");
            }
        } catch (URISyntaxException | SecurityException | NullPointerException ignored) {
            // fall through to the error below
        }
        throw new IOException("bundled sample clip sample/clip.mp4 not found (run from the project folder or give --clip)");
    }
}
