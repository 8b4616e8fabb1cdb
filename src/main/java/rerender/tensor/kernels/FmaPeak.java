// The machine's floating-point ceiling right now: every thread runs independent vector FMA chains (no memory
// traffic) for a moment. This VM's clock and its share of the host drift by +-30 %, so benchmarks report this next to
// their timings to tell a slower build from a slower moment.
package rerender.tensor.kernels;

import java.util.concurrent.atomic.AtomicLong;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

public final class FmaPeak {
    private FmaPeak() {
    }

    private static final VectorSpecies<Float> S = BlockedGemm.S;
    /** Independent accumulator chains: more than FMA latency x FMA pipes on current x86 cores (4-5 x 2). */
    private static final int CHAINS = 10;

    /** GFLOP/s of all p's threads together (2 per FMA lane): best of 3 rounds of about seconds / 3 each. */
    public static double measure(Parallel p, double seconds) {
        for (int i = 0; i < 50; i++) {
            run(20_000); // get the loop compiled (C2) before timing it
        }
        long iters = Math.max(1, (long) (seconds / 3 * 2.5e9 / CHAINS)); // ~1 FMA per chain per 0.4 ns
        double best = 0;
        for (int round = 0; round < 3; round++) {
            AtomicLong nanos = new AtomicLong();
            float[] sink = new float[p.threads()];
            p.forRange(0, p.threads(), 1, (lo, hi) -> {
                for (int i = lo; i < hi; i++) {
                    long t0 = System.nanoTime();
                    sink[i] = run(iters);
                    nanos.accumulateAndGet(System.nanoTime() - t0, Math::max);
                }
            });
            best = Math.max(best, (double) p.threads() * iters * CHAINS * S.length() * 2 / nanos.get());
        }
        return best;
    }

    private static float run(long iters) {
        FloatVector m = FloatVector.broadcast(S, 0.999f), b = FloatVector.broadcast(S, 1e-4f);
        FloatVector a0 = FloatVector.broadcast(S, 1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0;
        FloatVector a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0;
        for (long i = 0; i < iters; i++) {
            a0 = a0.fma(m, b);
            a1 = a1.fma(m, b);
            a2 = a2.fma(m, b);
            a3 = a3.fma(m, b);
            a4 = a4.fma(m, b);
            a5 = a5.fma(m, b);
            a6 = a6.fma(m, b);
            a7 = a7.fma(m, b);
            a8 = a8.fma(m, b);
            a9 = a9.fma(m, b);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9)
                .reduceLanes(VectorOperators.ADD);
    }
}
