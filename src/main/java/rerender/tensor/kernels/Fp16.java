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

    /** src [rows, cols] of fp16 bits -> a new off-heap segment [cols, rows] (blocked through short[] tiles). */
    public static MemorySegment transpose(MemorySegment src, int rows, int cols) {
        if ((long) rows * cols != length(src)) {
            throw new IllegalArgumentException("fp16 segment has " + length(src) + " values, not " + rows + " x " + cols);
        }
        MemorySegment dst = allocate((long) rows * cols);
        int t = 64;
        short[] tile = new short[t * t], out = new short[t * t];
        for (int r0 = 0; r0 < rows; r0 += t) {
            int rn = Math.min(t, rows - r0);
            for (int c0 = 0; c0 < cols; c0 += t) {
                int cn = Math.min(t, cols - c0);
                for (int r = 0; r < rn; r++) {
                    MemorySegment.copy(src, BITS, 2L * ((long) (r0 + r) * cols + c0), tile, r * cn, cn);
                }
                for (int r = 0; r < rn; r++) {
                    for (int c = 0; c < cn; c++) {
                        out[c * rn + r] = tile[r * cn + c];
                    }
                }
                for (int c = 0; c < cn; c++) {
                    MemorySegment.copy(out, c * rn, dst, BITS, 2L * ((long) (c0 + c) * rows + r0), rn);
                }
            }
        }
        return dst;
    }

    /** A view of a heap array as an fp16 segment (tests, small weights); no copy. */
    public static MemorySegment view(short[] bits) {
        return MemorySegment.ofArray(bits);
    }

    /**
     * dst[off .. off+n) = elements [at, at+n) of s widened. A plain loop on purpose: C2 vectorises it (loads and the
     * hardware half-to-float instruction), where a Vector API version built from integer operations (the API has no
     * half-float conversion) took 0.22 ns per value. Reading the segment directly, with the unaligned layout (no
     * alignment check), was 1.74x the speed of the bulk copy into a short[] and widening pass it replaced (runs of
     * 255 x 256 values, one thread, 12 alternations; in-process A/B of the small-map convolutions 0.931, of the few-row
     * linear layers 0.950); packing an fp16 A block is what the 8x8 convolutions spend most outside products.
     */
    static void widen(MemorySegment s, long at, int n, float[] dst, int off) {
        long base = 2 * at;
        for (int i = 0; i < n; i++) {
            dst[off + i] = Float.float16ToFloat(s.get(UNALIGNED, base + 2L * i));
        }
    }

    /** {@link #BITS} without the alignment check (the same bits): what {@link #widen} reads. */
    private static final ValueLayout.OfShort UNALIGNED = ValueLayout.JAVA_SHORT_UNALIGNED;
}
