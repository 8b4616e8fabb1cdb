// Shared helpers for the kernel tests: seeded random data and relative L2 error.
package rerender.tensor.kernels;

import java.util.Random;

final class KernelTestSupport {
    private KernelTestSupport() {
    }

    static float[] random(int size, long seed) {
        Random r = new Random(seed);
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }

    /** ||a - b|| / ||b|| over the whole arrays (b the reference); 0 when both are zero. */
    static double relL2(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("length " + a.length + " vs " + b.length);
        }
        double num = 0, den = 0;
        for (int i = 0; i < a.length; i++) {
            double d = (double) a[i] - b[i];
            num += d * d;
            den += (double) b[i] * b[i];
        }
        return den == 0 ? Math.sqrt(num) : Math.sqrt(num / den);
    }
}
