// Optional per-category accounting of Compute's operations (calls, wall time, floating-point operations), used by
// the benchmark to profile a model evaluation and to compute achieved GFLOP/s. NONE records nothing.
package rerender.tensor;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

public class OpStats {
    /** Totals of one category. */
    public record Entry(long calls, long nanos, long flops) {
    }

    /** Records nothing (the default of Compute). */
    public static final OpStats NONE = new OpStats() {
        @Override
        public long start() {
            return 0;
        }

        @Override
        public void end(String category, long start, long flops) {
        }
    };

    private static final class Acc {
        final LongAdder calls = new LongAdder(), nanos = new LongAdder(), flops = new LongAdder();
    }

    private final Map<String, Acc> acc = new ConcurrentHashMap<>();
    private final boolean shapes;

    /** Totals per operation category. */
    public OpStats() {
        this(false);
    }

    /** With shapes, categories are split by operand shape (see {@link #shapes()}). */
    public OpStats(boolean shapes) {
        this.shapes = shapes;
    }

    /** Whether callers should name the operand shapes in the category (a per-shape profile). */
    public boolean shapes() {
        return shapes;
    }

    /** A timestamp to pass to end(). */
    public long start() {
        return System.nanoTime();
    }

    /** Adds one call of category that began at start and did flops floating-point operations (multiply-add = 2). */
    public void end(String category, long start, long flops) {
        long dt = System.nanoTime() - start;
        Acc a = acc.computeIfAbsent(category, k -> new Acc());
        a.calls.increment();
        a.nanos.add(dt);
        a.flops.add(flops);
    }

    /** Totals per category, sorted by name. */
    public Map<String, Entry> snapshot() {
        Map<String, Entry> r = new TreeMap<>();
        acc.forEach((k, a) -> r.put(k, new Entry(a.calls.sum(), a.nanos.sum(), a.flops.sum())));
        return r;
    }

    public long totalFlops() {
        return acc.values().stream().mapToLong(a -> a.flops.sum()).sum();
    }

    public void reset() {
        acc.clear();
    }
}
