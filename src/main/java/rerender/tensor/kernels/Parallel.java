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

    /**
     * Splits [start, end) into at most threads() contiguous chunks, runs them concurrently (one on the caller)
     * and returns when all are done. A call made from inside a body runs inline on that thread.
     */
    public void forRange(int start, int end, RangeBody body) {
        int len = end - start;
        if (len <= 0) {
            return;
        }
        int parts = Math.min(threads, len);
        if (parts == 1 || inside.get()) {
            body.run(start, end);
            return;
        }
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
