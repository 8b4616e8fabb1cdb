// Weights kept as IEEE fp16 bits outside the Java heap (a MemorySegment), read and widened by the packers.
package rerender.tensor.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Why off-heap: an SD 1.5 UNet + ControlNet is ~2.9 GB of fp16 weights. As short[] on the heap the collector copies
 * them from the young generation to the old one (seconds of pauses while loading and during the first
 * evaluations, measured 5-9 s) and every full collection walks them; in native memory they are never moved, and
 * the heap holds only activations. Segments come from an automatic arena: freed when no layer refers to them.
 */
public final class Fp16 {
    private Fp16() {
    }

    /** Native-order 16-bit element, the layout of every fp16 segment the kernels read. */
    public static final ValueLayout.OfShort BITS = ValueLayout.JAVA_SHORT;

    /** Number of fp16 elements in s. */
    public static long length(MemorySegment s) {
        return s.byteSize() / 2;
    }

    /** Element i widened to float (exact). */
    public static float get(MemorySegment s, long i) {
        return Float.float16ToFloat(s.getAtIndex(BITS, i));
    }

    /** A new zero-filled off-heap segment of n fp16 elements, 64-byte aligned, freed when unreachable. */
    public static MemorySegment allocate(long n) {
        return Arena.ofAuto().allocate(2 * n, 64);
    }

    /** An off-heap copy of the given fp16 bits. */
    public static MemorySegment copyOf(short[] bits) {
        MemorySegment s = allocate(bits.length);
        MemorySegment.copy(bits, 0, s, BITS, 0, bits.length);
        return s;
    }

    /** A view of a heap array as an fp16 segment (tests, small weights); no copy. */
    public static MemorySegment view(short[] bits) {
        return MemorySegment.ofArray(bits);
    }
}
