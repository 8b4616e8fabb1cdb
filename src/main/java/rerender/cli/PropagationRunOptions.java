// Options that every command running the propagation shares (propagate, sample): one declaration, one meaning.
package rerender.cli;

import picocli.CommandLine.Option;
import rerender.pipeline.PropagationSettings;

/** A picocli mixin: --poisson, --threads, --verbose, --quiet. */
final class PropagationRunOptions {
    @Option(names = "--poisson", description = "gradient (Poisson) blending on top of the histogram blend")
    boolean poisson;

    @Option(names = "--threads", paramLabel = "N", description = "worker threads (default: all cores)")
    Integer threads;

    @Option(names = "--verbose", description = "print stack traces of errors")
    boolean verbose;

    @Option(names = "--quiet", description = "no progress bar")
    boolean quiet;

    /** settings with the blending and thread choices of these options. */
    PropagationSettings applyTo(PropagationSettings settings) {
        PropagationSettings s = settings.withPoisson(poisson);
        return threads != null ? s.withThreads(threads) : s;
    }
}
