// Tiny counter-based random numbers, so every pixel's random search draws from its own stream (thread-independent).
package rerender.video.synth;

final class Rng {
    private Rng() {
    }

    /** SplitMix64 finaliser: a well-mixed 64-bit hash of z. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Seed of one stream: hash of (seed, a, b). */
    static long stream(long seed, long a, long b) {
        return mix(mix(mix(seed) + a * 0x9E3779B97F4A7C15L) + b * 0xC2B2AE3D27D4EB4FL);
    }

    /** Next state of the stream (64-bit LCG; draws use the high bits). */
    static long next(long state) {
        return state * 6364136223846793005L + 1442695040888963407L;
    }

    /** An int in [0, n) from the high 31 bits of the state; n ≥ 1. */
    static int below(long state, int n) {
        return (int) (((state >>> 33) * n) >>> 31);
    }
}
