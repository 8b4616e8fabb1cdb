// A float32 tensor: contiguous row-major data plus a shape. Views made by reshape share the data array.
// The engine keeps tensors deliberately simple (no strides, no dtypes); ops live in Compute.
package rerender.tensor;

import java.util.Arrays;

public final class Tensor {
    private final int[] shape;
    private final float[] data;

    private Tensor(float[] data, int[] shape) {
        long n = count(shape);
        if (n != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + n
                    + " elements, data has " + data.length);
        }
        this.shape = shape.clone();
        this.data = data;
    }

    /** Wraps data (not copied) with the given shape. */
    public static Tensor of(float[] data, int... shape) {
        return new Tensor(data, shape);
    }

    public static Tensor zeros(int... shape) {
        return new Tensor(new float[Math.toIntExact(count(shape))], shape);
    }

    public static long count(int... shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            }
            n *= d;
        }
        return n;
    }

    /** The backing array (shared, not copied). */
    public float[] data() {
        return data;
    }

    public int[] shape() {
        return shape.clone();
    }

    public int dim(int i) {
        return shape[i < 0 ? shape.length + i : i];
    }

    public int rank() {
        return shape.length;
    }

    public int size() {
        return data.length;
    }

    /** A view with another shape over the same data; one dimension may be -1 (inferred). */
    public Tensor reshape(int... newShape) {
        int[] s = newShape.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == -1) {
                if (infer >= 0) {
                    throw new IllegalArgumentException("two -1 dimensions in " + Arrays.toString(newShape));
                }
                infer = i;
            } else {
                known *= s[i];
            }
        }
        if (infer >= 0) {
            if (known == 0 || data.length % known != 0) {
                throw new IllegalArgumentException("cannot reshape " + Arrays.toString(shape) + " to "
                        + Arrays.toString(newShape));
            }
            s[infer] = (int) (data.length / known);
        }
        return new Tensor(data, s);
    }

    public Tensor copy() {
        return new Tensor(data.clone(), shape);
    }

    /** Batch item b of a tensor [B, ...] as a new tensor [1, ...] (copied). */
    public Tensor batchItem(int b) {
        int per = data.length / shape[0];
        int[] s = shape.clone();
        s[0] = 1;
        return new Tensor(Arrays.copyOfRange(data, b * per, (b + 1) * per), s);
    }

    /** Throws unless this tensor has exactly the given shape; what names the tensor in the message. */
    public Tensor requireShape(String what, int... expected) {
        if (!Arrays.equals(shape, expected)) {
            throw new IllegalArgumentException(what + ": expected shape " + Arrays.toString(expected) + ", got "
                    + Arrays.toString(shape));
        }
        return this;
    }

    public boolean sameShape(Tensor o) {
        return Arrays.equals(shape, o.shape);
    }

    @Override
    public String toString() {
        return "Tensor" + Arrays.toString(shape);
    }
}
