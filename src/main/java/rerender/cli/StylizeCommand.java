// `rerender stylize`: applies a deterministic classical style filter (cartoon, painterly, cv-stylization) to an image
// or to every image of a folder; e.g. to make stylised key frames without a diffusion model.
package rerender.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import rerender.video.FloatImage;
import rerender.video.style.StyleFilter;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

@Command(name = "stylize", mixinStandardHelpOptions = true,
        description = {"Apply a per-frame style filter to an image, or to every .png/.jpg of a folder.",
                "Filters: cartoon, painterly, cv-stylization (OpenCV stylization, sigma_s 60, sigma_r 0.45).",
                "Outputs are PNG files with the input's base name."})
public final class StylizeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--style", defaultValue = "cartoon", description = "filter name (default ${DEFAULT-VALUE})")
    String style;

    @Parameters(index = "0", paramLabel = "IN", description = "input image or folder of images")
    Path input;

    @Parameters(index = "1", paramLabel = "OUT", description = "output PNG (image input) or folder (folder input)")
    Path output;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        try {
            StyleFilter filter = StyleFilter.byName(style);
            if (Files.isDirectory(input)) {
                List<Path> images;
                try (Stream<Path> s = Files.list(input)) {
                    images = s.filter(StylizeCommand::isImage).sorted().toList();
                }
                if (images.isEmpty()) {
                    throw new IOException("no .png/.jpg images in " + input);
                }
                Files.createDirectories(output);
                for (Path in : images) {
                    String name = in.getFileName().toString();
                    Path target = output.resolve(name.substring(0, name.lastIndexOf('.')) + ".png");
                    filter.apply(FloatImage.read(in)).writePng(target);
                }
                out.println("stylized " + images.size() + " images with " + style + " into " + output);
            } else {
                filter.apply(FloatImage.read(input)).writePng(output);
                out.println("stylized " + input + " with " + style + " -> " + output);
            }
            out.flush();
            return 0;
        } catch (IOException | RuntimeException e) {
            err.println("rerender stylize: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
            err.flush();
            return 1;
        }
    }

    private static boolean isImage(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return Files.isRegularFile(p) && (n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg"));
    }
}
