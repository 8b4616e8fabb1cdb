// Command-line entry point: dispatches to the sub-commands (propagate, image, bench, ...).
package rerender.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "rerender", mixinStandardHelpOptions = true, version = "rerender 0.1.0",
        description = "Zero-shot text-guided video-to-video translation (Rerender A Video) in Java.",
        subcommands = {
                CommandLine.HelpCommand.class,
                PropagateCommand.class,
                SampleCommand.class,
                ImageCommand.class,
                StylizeCommand.class,
                BenchCommand.class,
        })
public final class Main implements Runnable {
    public static void main(String[] args) {
        if (!java.util.Arrays.asList(args).contains("--verbose")) {
            rerender.video.io.NativeLogs.errorsOnly();
        }
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
