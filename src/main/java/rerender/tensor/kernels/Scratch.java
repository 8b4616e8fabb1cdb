// Large per-thread work buffers of the kernels, kept between calls: allocating them per call meant zeroing tens of
// MB on the calling thread (while the other threads waited) and churning the collector. Contents are stale: callers
// overwrite every element they later read. A slot belongs to one kernel, which must not re-enter itself.
package rerender.tensor.kernels;

final class Scratch {
    private Scratch() {
    }

    /** Winograd3x3: transformed weights U, transformed inputs V, per-point products M. */
    static final int WINOGRAD_U = 0, WINOGRAD_V = 1, WINOGRAD_M = 2;
    /** BlockedGemm: the operand of a threaded product packed once for all threads. */
    static final int GEMM_SHARED = 3;
    private static final int SLOTS = 4;

    private static final ThreadLocal<float[][]> BUFFERS = ThreadLocal.withInitial(() -> new float[SLOTS][]);

    /** This thread's buffer in slot, at least size floats long (grown, never shrunk). */
    static float[] floats(int slot, int size) {
        float[][] b = BUFFERS.get();
        if (b[slot] == null || b[slot].length < size) {
            b[slot] = null; // let the old one go before allocating the new one
            b[slot] = new float[size];
        }
        return b[slot];
    }
}
