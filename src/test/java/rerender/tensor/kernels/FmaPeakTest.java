// The FMA ceiling probe: a finite rate in a plausible range, and two threads measure more than one.
package rerender.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FmaPeakTest {
    @Test
    void measuresAPlausibleRateThatGrowsWithThreads() {
        try (Parallel one = new Parallel(1); Parallel two = new Parallel(2)) {
            double single = FmaPeak.measure(one, 0.1);
            double dual = FmaPeak.measure(two, 0.1);
            // any x86-64 core with AVX does 1-200 GFLOP/s of single-precision FMA; a broken count is far outside
            assertTrue(single > 1 && single < 200 * 8, "one thread: " + single + " GFLOP/s");
            // two threads run twice the work in about the same time (on one core of a loaded CI box: at least as much)
            assertTrue(dual > 0.8 * single, "two threads " + dual + " vs one " + single);
        }
    }
}
