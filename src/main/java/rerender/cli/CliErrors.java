// Turns any exception of a command into one line on stderr (the stack trace only with --verbose) and an exit code.
package rerender.cli;

import java.io.PrintWriter;

final class CliErrors {
    static final int FAILED = 1;

    private CliErrors() {
    }

    static int report(String command, Throwable e, boolean verbose, PrintWriter err) {
        err.println("rerender " + command + ": " + oneLine(e));
        if (verbose) {
            e.printStackTrace(err);
        }
        err.flush();
        return FAILED;
    }

    /** The message (first line), or the exception's type when it has none; out of memory gets a hint. */
    static String oneLine(Throwable e) {
        if (e instanceof OutOfMemoryError) {
            return "out of memory (raise -Xmx via RERENDER_JAVA_OPTS, or lower --resolution / --threads)";
        }
        String m = e.getMessage();
        if (m == null || m.isBlank()) {
            m = e.getClass().getSimpleName() + (e.getCause() != null ? ": " + oneLine(e.getCause()) : "");
        }
        int nl = m.indexOf('\n');
        return nl >= 0 ? m.substring(0, nl) : m;
    }
}
