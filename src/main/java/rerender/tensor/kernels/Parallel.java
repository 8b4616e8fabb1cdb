// Explicit execution context for the kernels: a small fixed set of worker threads that split index ranges.
// No global pool: whoever builds the engine owns one Parallel and passes it down (close it when done).
package rerender.tensor.kernels;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

public final class Parallel implements AutoCloseable {
    /** Body of a parallel loop over the half-open index range [lo, hi). */
    public interface RangeBody {
        void run(int lo, int hi);
    }

    /** True on this context's worker threads and on a caller while it runs a body: nested loops then run inline. */
    private final ThreadLocal<Boolean> inside = ThreadLocal.withInitial(() -> Boolean.FALSE);
    private final int threads;
    /** threads - 1 workers; the calling thread takes one share itself. */
    private final Worker[] workers;
    /** One loop at a time hands out work to the workers; a second caller meanwhile runs its loop inline. */
    private final ReentrantLock dispatch = new ReentrantLock();
    /** Set by {@link #close}: the workers are gone, loops run on the caller. */
    private volatile boolean closed;

    /**
     * How long an idle worker, and a caller waiting for a worker, spin before parking. The kernels' loops come
     * back to back with short serial gaps (allocating and zeroing an output, say), and on this VM waking a parked
     * thread took 76 us at the median and 125 us at p90 (a pool thread woken after 200 us of idleness), against
     * 11 us while it is still running: paid on every loop of a UNet evaluation, more than 1000 times.
     */
    static final long SPIN_NANOS = 2_000_000;

    public Parallel(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        workers = new Worker[threads - 1];
        int id = POOLS.incrementAndGet();
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker("kernels-" + id + "-" + (i + 1));
            workers[i].start();
        }
    }

    private static final AtomicInteger POOLS = new AtomicInteger();

    /** This context's worker threads (for tests: they end after {@link #close}). */
    Thread[] workerThreads() {
        return workers.clone();
    }

    /** One share of a loop handed to a worker; done (volatile) publishes the body's writes and its failure. */
    private static final class Task {
        final RangeBody body;
        final int lo;
        final int hi;
        Throwable failure;
        volatile boolean done;

        Task(RangeBody body, int lo, int hi) {
            this.body = body;
            this.lo = lo;
            this.hi = hi;
        }
    }

    /** A worker thread: runs the tasks handed to it, spinning for a while between them before it parks. */
    private final class Worker extends Thread {
        private volatile Task pending;
        private volatile boolean sleeping;
        private volatile boolean closed;

        Worker(String name) {
            super(name);
            setDaemon(true);
        }

        /** Hands t to this worker (which must be idle); wakes it if it parked. */
        void hand(Task t) {
            pending = t;
            if (sleeping) {
                LockSupport.unpark(this);
            }
        }

        void shutdown() {
            closed = true;
            LockSupport.unpark(this);
        }

        @Override
        public void run() {
            inside.set(Boolean.TRUE);
            while (true) {
                long idleSince = System.nanoTime();
                Task t;
                while ((t = pending) == null) {
                    if (closed) {
                        return;
                    }
                    if (System.nanoTime() - idleSince < SPIN_NANOS) {
                        Thread.onSpinWait();
                    } else {
                        sleeping = true; // then re-check: hand() writes pending before it reads sleeping
                        if (pending == null && !closed) {
                            LockSupport.park(this);
                        }
                        sleeping = false;
                    }
                }
                pending = null;
                try {
                    t.body.run(t.lo, t.hi);
                } catch (Throwable e) {
                    t.failure = e;
                }
                t.done = true;
            }
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
     * and returns when all are done. While another caller's loop holds the workers, this one runs inline.
     */
    private void staticSplit(int start, int end, RangeBody body) {
        int len = end - start;
        if (len <= 0) {
            return;
        }
        int parts = Math.min(threads, len);
        if (closed || !dispatch.tryLock()) { // after close() the workers are gone: loops run on the caller
            runInline(start, end, body);
            return;
        }
        try {
            Task[] tasks = new Task[parts - 1];
            for (int i = 1; i < parts; i++) {
                int lo = start + (int) ((long) len * i / parts);
                int hi = start + (int) ((long) len * (i + 1) / parts);
                tasks[i - 1] = new Task(body, lo, hi);
                workers[i - 1].hand(tasks[i - 1]);
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
            for (Task t : tasks) {
                await(t);
                if (failure == null) {
                    failure = t.failure;
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
        } finally {
            dispatch.unlock();
        }
    }

    /** The whole loop on the calling thread, as a nested call would run it. */
    private void runInline(int start, int end, RangeBody body) {
        boolean was = inside.get();
        inside.set(Boolean.TRUE);
        try {
            body.run(start, end);
        } finally {
            inside.set(was);
        }
    }

    /** Waits for t: spins while it is likely to end soon, then parks in short naps. */
    private static void await(Task t) {
        long since = System.nanoTime();
        while (!t.done) {
            if (System.nanoTime() - since < SPIN_NANOS) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(50_000);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Worker w : workers) {
            w.shutdown();
        }
    }
}
