// Shows a propagation's progress as a console progress bar with ETA (units: frames synthesised) and its messages.
package rerender.cli;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import rerender.pipeline.ProgressListener;
import rerender.pipeline.Segment;

import java.io.PrintWriter;
import java.util.concurrent.atomic.AtomicInteger;

final class ConsoleProgress implements ProgressListener {
    private final PrintWriter err;
    private final boolean quiet;
    private final String task;
    private ProgressBar bar;
    final AtomicInteger reused = new AtomicInteger();
    final AtomicInteger computed = new AtomicInteger();

    ConsoleProgress(String task, PrintWriter err, boolean quiet) {
        this.task = task;
        this.err = err;
        this.quiet = quiet;
    }

    @Override
    public synchronized void begin(long totalUnits) {
        if (!quiet) {
            bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(totalUnits).setUnit(" frames", 1)
                    .setStyle(ProgressBarStyle.ASCII).showSpeed().setUpdateIntervalMillis(500).build();
        }
    }

    @Override
    public void advance(long units) {
        ProgressBar b = bar;
        if (b != null) {
            b.stepBy(units);
        }
    }

    @Override
    public void warn(String message) {
        err.println("warning: " + message);
        err.flush();
    }

    @Override
    public void info(String message) {
        if (!quiet) {
            err.println(message);
            err.flush();
        }
    }

    @Override
    public void segmentReused(Segment segment) {
        reused.incrementAndGet();
    }

    @Override
    public void segmentComputed(Segment segment) {
        computed.incrementAndGet();
    }

    @Override
    public synchronized void end() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
