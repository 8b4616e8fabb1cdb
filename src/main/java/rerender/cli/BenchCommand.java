// The "bench" command group: performance measurements of the two stages (sd: Stable Diffusion model evaluations;
// further sub-commands such as propagation plug in here).
package rerender.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "bench", mixinStandardHelpOptions = true, description = "Performance benchmarks.",
        subcommands = {BenchSdCommand.class, BenchPropagationCommand.class})
public final class BenchCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "choose a benchmark: "
                + String.join(", ", spec.subcommands().keySet()));
    }
}
