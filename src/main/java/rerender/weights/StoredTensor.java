// One tensor as stored in a weights file: name, dtype, shape and a lazy view of its little-endian bytes.
package rerender.weights;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * A tensor in a {@link TensorFile}. The bytes are row-major (C-contiguous) and little-endian; for
 * safetensors they are a slice of the memory-mapped file, valid until the file is closed.
 *
 * @param data supplies exactly {@code numel() * dtype.size()} bytes
 */
public record StoredTensor(String name, DType dtype, long[] shape, Path file, Supplier<MemorySegment> data) {
    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64_LE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int CHUNK = 1 << 14;

    public StoredTensor {
        shape = shape.clone();
        Shapes.numel(shape);
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public long numel() {
        return Shapes.numel(shape);
    }

    public long byteSize() {
        return numel() * dtype.size();
    }

    /** The raw little-endian bytes; checked against dtype x shape. */
    public MemorySegment bytes() {
        MemorySegment seg;
        try {
            seg = data.get();
        } catch (IllegalStateException e) {
            throw new WeightException("tensor '" + name + "' in " + file + " is no longer readable (file closed?): " + e.getMessage(), e);
        }
        if (seg.byteSize() != byteSize()) {
            throw new WeightException("tensor '" + name + "' in " + file + " has " + seg.byteSize() + " bytes, expected "
                    + byteSize() + " for " + dtype + " " + Shapes.format(shape));
        }
        return seg;
    }

    /** All elements converted to float32 (F16 and BF16 exactly, F64 and integers rounded). */
    public float[] toFloats() {
        return toFloats(false);
    }

    /**
     * As {@link #toFloats()}; with releasePages, this tensor's pages of a memory-mapped file are then dropped from
     * the process's resident set (MemorySegment.unload, madvise DONTNEED; read from the file again if touched), so
     * that loading a model does not keep the whole file resident next to its float32 copy.
     */
    public float[] toFloats(boolean releasePages) {
        int n = arrayLength();
        float[] out = new float[n];
        MemorySegment seg = bytes();
        try {
            switch (dtype) {
                case F32 -> MemorySegment.copy(seg, F32_LE, 0, out, 0, n);
                case F16 -> {
                    short[] buf = new short[Math.min(n, CHUNK)];
                    for (int start = 0; start < n; start += CHUNK) {
                        int len = Math.min(CHUNK, n - start);
                        MemorySegment.copy(seg, I16_LE, 2L * start, buf, 0, len);
                        for (int i = 0; i < len; i++) {
                            out[start + i] = Float.float16ToFloat(buf[i]);
                        }
                    }
                }
                case BF16 -> {
                    short[] buf = new short[Math.min(n, CHUNK)];
                    for (int start = 0; start < n; start += CHUNK) {
                        int len = Math.min(CHUNK, n - start);
                        MemorySegment.copy(seg, I16_LE, 2L * start, buf, 0, len);
                        for (int i = 0; i < len; i++) {
                            out[start + i] = Float.intBitsToFloat((buf[i] & 0xffff) << 16);
                        }
                    }
                }
                case F64 -> {
                    for (int i = 0; i < n; i++) {
                        out[i] = (float) seg.getAtIndex(F64_LE, i);
                    }
                }
                case I64 -> {
                    for (int i = 0; i < n; i++) {
                        out[i] = seg.getAtIndex(I64_LE, i);
                    }
                }
                case I32 -> {
                    for (int i = 0; i < n; i++) {
                        out[i] = seg.getAtIndex(I32_LE, i);
                    }
                }
                case I16 -> {
                    for (int i = 0; i < n; i++) {
                        out[i] = seg.getAtIndex(I16_LE, i);
                    }
                }
                case I8 -> {
                    for (int i = 0; i < n; i++) {
                        out[i] = seg.get(ValueLayout.JAVA_BYTE, i);
                    }
                }
                case U8, BOOL -> {
                    for (int i = 0; i < n; i++) {
                        out[i] = seg.get(ValueLayout.JAVA_BYTE, i) & 0xff;
                    }
                }
            }
            if (releasePages && seg.isMapped()) {
                seg.unload();
            }
        } catch (IllegalStateException e) {
            throw new WeightException("tensor '" + name + "' in " + file + " is no longer readable (file closed?): " + e.getMessage(), e);
        }
        return out;
    }

    /** Elements as IEEE half-precision bits (F16 copied as is, other float types rounded). */
    public short[] toHalfBits() {
        return toHalfBits(false);
    }

    /** As {@link #toHalfBits()}; releasePages as in {@link #toFloats(boolean)}. */
    public short[] toHalfBits(boolean releasePages) {
        if (dtype == DType.F16) {
            int n = arrayLength();
            short[] out = new short[n];
            MemorySegment seg = bytes();
            MemorySegment.copy(seg, I16_LE, 0, out, 0, n);
            if (releasePages && seg.isMapped()) {
                seg.unload();
            }
            return out;
        }
        float[] f = toFloats(releasePages);
        short[] out = new short[f.length];
        for (int i = 0; i < f.length; i++) {
            out[i] = Float.floatToFloat16(f[i]);
        }
        return out;
    }

    /**
     * An F16 tensor's elements copied into a new off-heap segment of native-order fp16 bits (ValueLayout.JAVA_SHORT,
     * 64-byte aligned) allocated in arena (a confined one lets a caller that only converts the copy free it at once);
     * releasePages as in {@link #toFloats(boolean)}. Other dtypes are refused (use {@link #toHalfBits}).
     */
    public MemorySegment toHalfSegment(boolean releasePages, java.lang.foreign.Arena arena) {
        if (dtype != DType.F16) {
            throw new WeightException("tensor '" + name + "' in " + file + " is " + dtype + ", not F16");
        }
        long n = numel();
        MemorySegment out = arena.allocate(2 * n, 64);
        try {
            MemorySegment seg = bytes();
            MemorySegment.copy(seg, I16_LE, 0, out, ValueLayout.JAVA_SHORT, 0, n);
            if (releasePages && seg.isMapped()) {
                seg.unload();
            }
        } catch (IllegalStateException e) {
            throw new WeightException("tensor '" + name + "' in " + file + " is no longer readable (file closed?): " + e.getMessage(), e);
        }
        return out;
    }

    /** Integer elements (I64, I32, I16, I8, U8, BOOL) as longs; float types are refused. */
    public long[] toLongs() {
        int n = arrayLength();
        long[] out = new long[n];
        MemorySegment seg = bytes();
        switch (dtype) {
            case I64 -> MemorySegment.copy(seg, I64_LE, 0, out, 0, n);
            case I32 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = seg.getAtIndex(I32_LE, i);
                }
            }
            case I16 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = seg.getAtIndex(I16_LE, i);
                }
            }
            case I8 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = seg.get(ValueLayout.JAVA_BYTE, i);
                }
            }
            case U8, BOOL -> {
                for (int i = 0; i < n; i++) {
                    out[i] = seg.get(ValueLayout.JAVA_BYTE, i) & 0xff;
                }
            }
            default -> throw new WeightException("tensor '" + name + "' in " + file + " is " + dtype + ", expected an integer type");
        }
        return out;
    }

    private int arrayLength() {
        long n = numel();
        if (n > Integer.MAX_VALUE - 8) {
            throw new WeightException("tensor '" + name + "' in " + file + " has " + n + " elements, too many for one Java array");
        }
        return (int) n;
    }

    @Override
    public String toString() {
        return name + " " + dtype + " " + Shapes.format(shape) + " (" + file + ")";
    }
}
