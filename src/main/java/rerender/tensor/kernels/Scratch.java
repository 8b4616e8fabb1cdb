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
    /** BlockedGemm: a thread's packed blocks of A and B, and the staging block of a prepack task. */
    static final int GEMM_PACK_A = 4, GEMM_PACK_B = 5, GEMM_PREPACK = 6;
    /**
     * Winograd3x3.WeightTransform: a sliver's filters widened as the packed storage interleaves them, and its
     * transformed rows (the general transform only).
     */
    static final int WINOGRAD_RUN = 7, WINOGRAD_ROWS = 8;
    /** Attention: every head's packed K and V^T (10 MB for 8 heads x 4096 tokens x 40). */
    static final int ATTENTION_KV = 9;
    /**
     * FeedForward: both weights packed for all threads (the second slot beside GEMM_SHARED), and a thread's rows
     * of the hidden layer before and after GEGLU.
     */
    static final int FF_SHARED_IN = 10, FF_SHARED_OUT = 11, FF_HIDDEN = 12, FF_GATED = 13;
    private static final int SLOTS = 14;

    private static final ThreadLocal<float[][]> BUFFERS = ThreadLocal.withInitial(() -> new float[SLOTS][]);
    private static final ThreadLocal<boolean[]> TAKEN = ThreadLocal.withInitial(() -> new boolean[SLOTS]);

    /**
     * As {@link #floats}, for a kernel that might be re-entered on this thread (say, a product run inline inside
     * another product's loop body): while a slot is taken, a further take gets a fresh array. Pair with
     * {@link #release}. Measured before these slots: a UNet + ControlNet evaluation allocated (and zeroed) 3.3 GB
     * on the calling thread, about a third of it per-call GEMM and Winograd work buffers.
     */
    static float[] take(int slot, int size) {
        boolean[] taken = TAKEN.get();
        if (taken[slot]) {
            return new float[size];
        }
        taken[slot] = true;
        return floats(slot, size);
    }

    /** Gives back what {@link #take} handed out (a fresh array from a nested take is simply dropped). */
    static void release(int slot, float[] buffer) {
        if (BUFFERS.get()[slot] == buffer) {
            TAKEN.get()[slot] = false;
        }
    }

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
