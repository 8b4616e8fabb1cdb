// Explicit execution context for the kernels: a small fixed set of worker threads that split index ranges.
// No global pool: whoever builds the engine owns one Parallel and passes it down (close it when done).
package rerender.tensor.kernels;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

public final class Parallel implements AutoCloseable {
    /** Body of a parallel loop over the half-open index range [lo, hi). */
    public interface RangeBody {
        void run(int lo, int hi);
    }

    /** True on this context's worker threads and on a caller while it runs a body: nested loops then run inline. */
    private final ThreadLocal<Boolean> inside = ThreadLocal.withInitial(() -> Boolean.FALSE);
    private final int threads;
    private final ExecutorService workers; // threads - 1 workers; the calling thread takes one share itself

    public Parallel(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        if (threads == 1) {
            workers = null;
        } else {
            AtomicInteger count = new AtomicInteger();
            ThreadFactory f = r -> {
                Thread t = new Thread(() -> {
                    inside.set(Boolean.TRUE);
                    r.run();
                }, "kernels-" + count.incrementAndGet());
                t.setDaemon(true);
                return t;
            };
            workers = Executors.newFixedThreadPool(threads - 1, f);
        }
    }

    /** A context that runs every loop on the calling thread. */
    public static Parallel serial() {
        return new Parallel(1);
    }

    public int threads() {
        return threads;
    }

    /** Hands out the ranges of one {@link #forWorkers} call, each unit exactly once. */
    public interface RangeSource {
        /** Claims the next range [r[0], r[1]) into r; false when all units are handed out. */
        boolean claim(int[] r);
    }

    /** Body of a {@link #forWorkers} call: runs once per participating thread and claims ranges until none is left. */
    public interface WorkerBody {
        void run(RangeSource work);
    }

    /** The smallest chunk {@link #forRange} hands out is 1 / (GRAIN x threads) of the range. */
    static final int GRAIN = 16;

    /**
     * Runs body over [start, end) on all threads (one of them the caller) and returns when all is done. The range
     * is handed out dynamically in shrinking contiguous chunks (guided scheduling: half the remaining share of a
     * thread at a time, down to 1 / (GRAIN x threads) of the range): this VM's two cores often run at different
     * speeds, and with an even static split the faster one waits for the slower. The cut itself is the same on
     * every call (a chunk's size depends only on where it starts); only which thread takes a chunk varies. A call
     * made from inside a body runs inline on that thread. Bodies must not depend on how the range is cut.
     */
    public void forRange(int start, int end, RangeBody body) {
        int len = end - start;
        forRange(start, end, Math.max(1, len / (GRAIN * threads)), body);
    }

    /** As {@link #forRange(int, int, RangeBody)} with chunks of at least minChunk indices (the last may be smaller). */
    public void forRange(int start, int end, int minChunk, RangeBody body) {
        int len = end - start;
        if (len <= 0) {
            return;
        }
        if (threads == 1 || len <= minChunk || inside.get()) {
            body.run(start, end);
            return;
        }
        forWorkers(len, minChunk, work -> {
            int[] r = new int[2];
            while (work.claim(r)) {
                body.run(start + r[0], start + r[1]);
            }
        });
    }

    /**
     * Runs body on up to threads() threads (one of them the caller); the bodies claim the units [0, units) in
     * guided chunks of at least minChunk from one shared counter, so per-thread set-up (scratch buffers) happens
     * once per thread while the work itself is balanced dynamically. Inside a body, a nested call runs body once,
     * inline, with the whole range.
     */
    public void forWorkers(int units, int minChunk, WorkerBody body) {
        if (units <= 0) {
            return;
        }
        int min = Math.max(1, minChunk);
        AtomicInteger next = new AtomicInteger();
        int parts = Math.min(threads, BlockedGemm.ceilDiv(units, min));
        int divisor = 2 * parts;
        RangeSource src = r -> {
            while (true) {
                int lo = next.get();
                if (lo >= units) {
                    return false;
                }
                int hi = (int) Math.min(units, (long) lo + Math.max(min, (units - lo) / divisor));
                if (next.compareAndSet(lo, hi)) {
                    r[0] = lo;
                    r[1] = hi;
                    return true;
                }
            }
        };
        if (parts == 1 || inside.get()) {
            body.run(src);
            return;
        }
        staticSplit(0, parts, (lo, hi) -> {
            for (int w = lo; w < hi; w++) {
                body.run(src);
            }
        });
    }

    /**
     * Splits [start, end) into at most threads() contiguous parts, one per thread (the caller takes the first),
     * and returns when all are done.
     */
    private void staticSplit(int start, int end, RangeBody body) {
        int len = end - start;
        if (len <= 0) {
            return;
        }
        int parts = Math.min(threads, len);
        @SuppressWarnings("unchecked")
        Future<?>[] futures = new Future<?>[parts - 1];
        for (int i = 1; i < parts; i++) {
            int lo = start + (int) ((long) len * i / parts);
            int hi = start + (int) ((long) len * (i + 1) / parts);
            futures[i - 1] = workers.submit(() -> body.run(lo, hi));
        }
        Throwable failure = null;
        inside.set(Boolean.TRUE);
        try {
            body.run(start, start + (int) ((long) len / parts));
        } catch (RuntimeException | Error e) {
            failure = e;
        } finally {
            inside.set(Boolean.FALSE);
        }
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (ExecutionException e) {
                if (failure == null) {
                    failure = e.getCause();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (failure == null) {
                    failure = e;
                }
            }
        }
        if (failure instanceof RuntimeException re) {
            throw re;
        }
        if (failure instanceof Error er) {
            throw er;
        }
        if (failure != null) {
            throw new IllegalStateException("parallel loop failed", failure);
        }
    }

    @Override
    public void close() {
        if (workers != null) {
            workers.shutdownNow();
        }
    }
}
