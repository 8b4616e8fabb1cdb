// A tiny cache of cross-attention key/value projections per text context (identity of its data array), so the
// projections of the 77-token prompt contexts are computed once per sampling run instead of once per step.
package rerender.diffusion.unet;

import rerender.tensor.Tensor;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Supplier;

final class KeyValueCache {
    /** Only short contexts (text) are cached; long key/value sources (image tokens) change at every call. */
    static final int MAX_TOKENS = 256;

    private record Entry(float[] source, int[] shape, Tensor[] kv) {
    }

    private final int capacity;
    private final Deque<Entry> entries = new ArrayDeque<>(); // most recent first

    KeyValueCache(int capacity) {
        this.capacity = capacity;
    }

    /** The cached projections of context (same data array and shape), else compute's result, remembered. */
    synchronized Tensor[] get(Tensor context, Supplier<Tensor[]> compute) {
        for (Entry e : entries) {
            if (e.source() == context.data() && java.util.Arrays.equals(e.shape(), context.shape())) {
                entries.remove(e);
                entries.addFirst(e);
                return e.kv();
            }
        }
        Tensor[] kv = compute.get();
        entries.addFirst(new Entry(context.data(), context.shape(), kv));
        while (entries.size() > capacity) {
            entries.removeLast();
        }
        return kv;
    }
}
