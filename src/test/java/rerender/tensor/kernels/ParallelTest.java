// The execution context: every index visited exactly once, nested loops run inline, failures reach the caller.
package rerender.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class ParallelTest {
    @Test
    void visitsEachIndexOnce() {
        for (int threads : new int[] {1, 2, 3, 7}) {
            try (Parallel p = new Parallel(threads)) {
                for (int len : new int[] {0, 1, 2, 5, 1000}) {
                    AtomicIntegerArray hits = new AtomicIntegerArray(len + 10);
                    p.forRange(10, 10 + len, (lo, hi) -> {
                        for (int i = lo; i < hi; i++) {
                            hits.incrementAndGet(i);
                        }
                    });
                    for (int i = 0; i < len + 10; i++) {
                        assertEquals(i >= 10 ? 1 : 0, hits.get(i), "threads " + threads + " len " + len + " i " + i);
                    }
                }
            }
        }
    }

    @Test
    void nestedLoopsCompleteWithoutDeadlock() {
        try (Parallel p = new Parallel(2)) {
            AtomicIntegerArray hits = new AtomicIntegerArray(100);
            p.forRange(0, 10, (lo, hi) -> {
                for (int i = lo; i < hi; i++) {
                    int row = i;
                    p.forRange(0, 10, (a, b) -> {
                        for (int j = a; j < b; j++) {
                            hits.incrementAndGet(row * 10 + j);
                        }
                    });
                }
            });
            for (int i = 0; i < 100; i++) {
                assertEquals(1, hits.get(i));
            }
        }
    }

    @Test
    void concurrentCallersEachVisitEveryIndexOnce() throws Exception {
        // two threads share one context: one of them holds the workers, the other runs its loops inline
        try (Parallel p = new Parallel(2)) {
            int len = 50_000, reps = 40;
            AtomicIntegerArray[] hits = {new AtomicIntegerArray(len), new AtomicIntegerArray(len)};
            Thread[] callers = new Thread[2];
            Throwable[] failed = new Throwable[2];
            for (int c = 0; c < 2; c++) {
                AtomicIntegerArray h = hits[c];
                int id = c;
                callers[c] = new Thread(() -> {
                    try {
                        for (int rep = 0; rep < reps; rep++) {
                            p.forRange(0, len, (lo, hi) -> {
                                for (int i = lo; i < hi; i++) {
                                    h.incrementAndGet(i);
                                }
                            });
                        }
                    } catch (Throwable e) {
                        failed[id] = e;
                    }
                });
                callers[c].start();
            }
            for (Thread t : callers) {
                t.join(60_000);
                assertFalse(t.isAlive(), "caller did not finish");
            }
            for (int c = 0; c < 2; c++) {
                assertEquals(null, failed[c]);
                for (int i = 0; i < len; i++) {
                    assertEquals(reps, hits[c].get(i), "caller " + c + " index " + i);
                }
            }
        }
    }

    @Test
    void closeEndsTheWorkerThreads() throws Exception {
        Parallel p = new Parallel(3);
        p.forRange(0, 1000, (lo, hi) -> { });
        Thread[] workers = p.workerThreads();
        assertEquals(2, workers.length);
        p.close();
        for (Thread t : workers) {
            t.join(10_000);
            assertFalse(t.isAlive(), t.getName() + " still running after close");
        }
        AtomicIntegerArray hits = new AtomicIntegerArray(100); // still correct (on the caller) after close
        p.forRange(0, 100, (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                hits.incrementAndGet(i);
            }
        });
        for (int i = 0; i < 100; i++) {
            assertEquals(1, hits.get(i));
        }
    }

    @Test
    void bodyFailurePropagates() {
        try (Parallel p = new Parallel(2)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> p.forRange(0, 8, (lo, hi) -> {
                if (lo > 0) {
                    throw new IllegalStateException("boom " + lo);
                }
            }));
            int lo = Integer.parseInt(e.getMessage().substring("boom ".length()));
            assertTrue(lo > 0 && lo < 8, e.getMessage());
        }
    }

    @Test
    void forWorkersHandsOutEachUnitOnceToAtMostThreadsWorkers() {
        for (int threads : new int[] {1, 2, 3}) {
            try (Parallel p = new Parallel(threads)) {
                for (int units : new int[] {0, 1, 2, 17, 1000}) {
                    for (int min : new int[] {1, 5}) {
                        AtomicIntegerArray hits = new AtomicIntegerArray(Math.max(1, units));
                        AtomicInteger workers = new AtomicInteger();
                        p.forWorkers(units, min, work -> {
                            workers.incrementAndGet();
                            int[] r = new int[2];
                            while (work.claim(r)) {
                                assertTrue(r[1] - r[0] >= Math.min(min, units - r[0]), "chunk " + r[0] + ".." + r[1]);
                                for (int i = r[0]; i < r[1]; i++) {
                                    hits.incrementAndGet(i);
                                }
                            }
                            assertFalse(work.claim(r), "an exhausted source stays exhausted");
                        });
                        for (int i = 0; i < units; i++) {
                            assertEquals(1, hits.get(i), "threads " + threads + " units " + units + " unit " + i);
                        }
                        assertTrue(workers.get() <= Math.max(1, Math.min(threads, units)), "workers " + workers.get());
                    }
                }
            }
        }
    }

    @Test
    void aStalledThreadDoesNotHoldBackTheRestOfTheRange() {
        // The thread that gets index 0 waits until every index outside its own chunk is done. With a static
        // half-and-half split it would own half the range and this could never finish; with dynamic claiming the
        // other thread takes everything else.
        try (Parallel p = new Parallel(2)) {
            int len = 64;
            AtomicInteger done = new AtomicInteger();
            AtomicInteger waitedOk = new AtomicInteger();
            p.forRange(0, len, 1, (lo, hi) -> {
                if (lo == 0) {
                    long deadline = System.nanoTime() + 20_000_000_000L;
                    while (done.get() < len - hi && System.nanoTime() < deadline) {
                        Thread.onSpinWait();
                    }
                    if (done.get() == len - hi) {
                        waitedOk.incrementAndGet();
                    }
                    assertTrue(hi - lo < len / 2, "the first chunk must be less than a static half, was " + (hi - lo));
                } else {
                    done.addAndGet(hi - lo);
                }
            });
            assertEquals(1, waitedOk.get());
        }
    }

    @Test
    void rejectsZeroThreads() {
        assertThrows(IllegalArgumentException.class, () -> new Parallel(0));
    }
}
