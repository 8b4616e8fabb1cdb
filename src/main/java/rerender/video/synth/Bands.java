// Fixed horizontal bands of rows and a deterministic way to run work over them on an executor.
package rerender.video.synth;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;

/**
 * The band layout depends only on the image height, never on the thread count, and each band's work reads only
 * state that no other band writes during the same step; so results are identical whether the bands run on one
 * thread or many, in any order.
 */
final class Bands {
    private Bands() {
    }

    /** Number of row bands for an image of this height: about one per 24 rows, between 1 and 8. */
    static int count(int height) {
        return Math.clamp(height / 24, 1, 8);
    }

    /** First row of band b (band b covers rows [start(b), start(b + 1))). */
    static int start(int band, int count, int height) {
        return (int) ((long) band * height / count);
    }

    /**
     * Runs task(0..n-1), each exactly once, on the pool's threads and the calling thread, and returns when all are
     * done. The caller claims work too, so this cannot deadlock even when called from a thread of a busy pool.
     * A null pool runs everything on the calling thread.
     */
    static void run(ExecutorService pool, int n, IntConsumer task) {
        if (pool == null || n == 1) {
            for (int i = 0; i < n; i++) {
                task.accept(i);
            }
            return;
        }
        AtomicInteger next = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(n);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Runnable worker = () -> {
            for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                try {
                    task.accept(i);
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                } finally {
                    done.countDown();
                }
            }
        };
        for (int i = 1; i < n; i++) {
            pool.execute(worker);
        }
        worker.run();
        try {
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for synthesis bands", e);
        }
        Throwable f = failure.get();
        if (f != null) {
            throw new IllegalStateException("synthesis band failed: " + f, f);
        }
    }
}
