// A tiny cache of tensors derived from an input that stays the same across sampling steps (text context -> cross-
// attention keys/values, control hint -> ControlNet's guided hint), keyed by the identity of the input's data array.
package rerender.diffusion.unet;

import rerender.tensor.Tensor;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Supplier;

final class DerivedTensorCache {
    private record Entry(float[] source, int[] shape, Tensor[] values) {
    }

    private final int capacity;
    private final Deque<Entry> entries = new ArrayDeque<>(); // most recent first

    DerivedTensorCache(int capacity) {
        this.capacity = capacity;
    }

    /**
     * The cached results for input (same data array and shape), else compute's result, remembered. Inputs must not
     * be modified after their first use (contexts and hints never are).
     */
    synchronized Tensor[] get(Tensor input, Supplier<Tensor[]> compute) {
        for (Entry e : entries) {
            if (e.source() == input.data() && java.util.Arrays.equals(e.shape(), input.shape())) {
                entries.remove(e);
                entries.addFirst(e);
                return e.values();
            }
        }
        Tensor[] values = compute.get();
        entries.addFirst(new Entry(input.data(), input.shape(), values));
        while (entries.size() > capacity) {
            entries.removeLast();
        }
        return values;
    }
}
