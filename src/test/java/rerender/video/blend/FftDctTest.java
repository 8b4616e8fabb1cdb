// The fast batched FFT and DCT against their O(N²) definitions, on awkward lengths (1, primes, mixed radix,
// Bluestein) and batches (1, odd, even).
package rerender.video.blend;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

class FftDctTest {
    private static float[] random(int len, long seed) {
        Random rnd = new Random(seed);
        float[] a = new float[len];
        for (int i = 0; i < len; i++) {
            a[i] = (float) rnd.nextGaussian();
        }
        return a;
    }

    private static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }

    private static double relErr(float[] a, double[] ref) {
        double num = 0, den = 0;
        for (int i = 0; i < a.length; i++) {
            num += (a[i] - ref[i]) * (a[i] - ref[i]);
            den += ref[i] * ref[i];
        }
        return Math.sqrt(num / Math.max(den, 1e-300));
    }

    // 37 > MAX_DIRECT_RADIX and 2·41 exercise Bluestein; 60, 91 = 7·13, 640, 910 = 2·5·7·13 the mixed radices
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 7, 8, 12, 13, 16, 37, 60, 82, 91, 128, 640, 910})
    void fftMatchesDft(int n) {
        for (int batch : new int[]{1, 3}) {
            float[] re = random(n * batch, n), im = random(n * batch, n + 1000);
            double[] rr = toDouble(re), ri = toDouble(im);
            new Fft(n).forward(re, im, batch);
            Fft.naiveForward(rr, ri, n, batch);
            // float arithmetic: error grows like ε·log N (Bluestein: a few ε·log M)
            assertTrue(relErr(re, rr) < 2e-6 && relErr(im, ri) < 2e-6,
                    "n=" + n + " batch=" + batch + ": " + relErr(re, rr) + ", " + relErr(im, ri));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 5, 8, 13, 17, 37, 64, 90, 91, 640})
    void dctMatchesDefinitionAndInverts(int n) {
        for (int batch : new int[]{1, 2, 5, 6}) {
            float[] x = random(n * batch, 7 * n + batch);
            float[] fast = new float[x.length], back = new float[x.length];
            double[] ref = new double[x.length];
            Dct dct = new Dct(n);
            dct.forward(x, fast, batch);
            Dct.naiveForward(toDouble(x), ref, n, batch);
            assertTrue(relErr(fast, ref) < 2e-6, "forward n=" + n + " batch=" + batch + ": " + relErr(fast, ref));
            dct.inverse(fast, back, batch);
            assertTrue(relErr(back, toDouble(x)) < 2e-6, "inverse n=" + n + " batch=" + batch + ": " + relErr(back, toDouble(x)));
        }
    }
}
