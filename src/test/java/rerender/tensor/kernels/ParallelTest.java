// The execution context: every index visited exactly once, nested loops run inline, failures reach the caller.
package rerender.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
    void bodyFailurePropagates() {
        try (Parallel p = new Parallel(2)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> p.forRange(0, 8, (lo, hi) -> {
                if (lo > 0) {
                    throw new IllegalStateException("boom " + lo);
                }
            }));
            assertEquals("boom 4", e.getMessage());
        }
    }

    @Test
    void rejectsZeroThreads() {
        assertThrows(IllegalArgumentException.class, () -> new Parallel(0));
    }
}
