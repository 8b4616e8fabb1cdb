// Test helper: reads one reference file of fixtures/tiny and compares tensors by relative L2 error.
package rerender.diffusion;

import rerender.tensor.Tensor;
import rerender.testutil.Shared;
import rerender.weights.StoredTensor;
import rerender.weights.TensorFile;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

public final class Fixture implements AutoCloseable {
    private final TensorFile file;

    public Fixture(String name) {
        file = TensorFile.open(Shared.tiny(name + ".safetensors"));
    }

    public Tensor tensor(String key) {
        StoredTensor t = file.get(key);
        if (t == null) {
            throw new IllegalArgumentException("fixture has no " + key);
        }
        return Tensor.of(t.toFloats(), Arrays.stream(t.shape()).mapToInt(Math::toIntExact).toArray());
    }

    public int[] ints(String key) {
        return Arrays.stream(file.get(key).toLongs()).mapToInt(Math::toIntExact).toArray();
    }

    public static double relL2(Tensor out, Tensor ref) {
        assertEquals(Arrays.toString(ref.shape()), Arrays.toString(out.shape()), "shape");
        double num = 0, den = 0;
        float[] a = out.data(), b = ref.data();
        for (int i = 0; i < a.length; i++) {
            if (Float.isNaN(a[i])) {
                return Double.NaN;
            }
            double d = a[i] - b[i];
            num += d * d;
            den += (double) b[i] * b[i];
        }
        return Math.sqrt(num / den);
    }

    /** Asserts relL2(out, ref) <= tol and returns the error. */
    public static double assertClose(String what, Tensor out, Tensor ref, double tol) {
        double e = relL2(out, ref);
        System.out.printf("%s: rel L2 %.3g%n", what, e);
        assertTrue(e <= tol, what + ": rel L2 " + e + " > " + tol);
        return e;
    }

    @Override
    public void close() {
        file.close();
    }
}
