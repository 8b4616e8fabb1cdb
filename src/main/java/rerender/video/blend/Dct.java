// Batched DCT-II and its exact inverse along the first axis, by one complex FFT of the same length (Makhoul 1980,
// "A fast cosine transform in one and two dimensions"); two real signals ride in one complex FFT.
package rerender.video.blend;

/**
 * Forward: X[k] = Σ_n x[n]·cos(πk(2n+1)/(2N)) (unnormalised DCT-II); {@link #inverse} undoes it exactly.
 * Data: N rows of {@code batch} lanes, element n of signal b at n·batch + b. Immutable and thread-safe.
 * <p>
 * Makhoul: with v = (x[0], x[2], x[4], …, x[5], x[3], x[1]) and V = FFT(v), X[k] = Re(exp(−iπk/2N)·V[k]).
 * Lane b and lane b + ⌈batch/2⌉ form one complex signal (real, imaginary part); their spectra separate by the
 * conjugate symmetry of real signals.
 */
final class Dct {
    final int n;
    private final Fft fft;
    private final double[] cos, sin; // cos, sin of πk/(2N)

    Dct(int n) {
        this.n = n;
        this.fft = new Fft(n);
        cos = new double[n];
        sin = new double[n];
        for (int k = 0; k < n; k++) {
            cos[k] = Math.cos(Math.PI * k / (2.0 * n));
            sin[k] = Math.sin(Math.PI * k / (2.0 * n));
        }
    }

    /** Row of x that lands at row t of Makhoul's permutation v. */
    private int source(int t) {
        return t < (n + 1) / 2 ? 2 * t : 2 * (n - 1 - t) + 1;
    }

    /** x [N, batch] -> out [N, batch] (out may not alias x). */
    void forward(double[] x, double[] out, int batch) {
        check(x, out, batch);
        int half = (batch + 1) / 2, rest = batch - half;
        double[] zr = new double[n * half], zi = new double[n * half];
        for (int t = 0; t < n; t++) {                   // v = permuted rows; lanes [0,half) real, [half,batch) imaginary
            int src = source(t) * batch;
            System.arraycopy(x, src, zr, t * half, half);
            System.arraycopy(x, src + half, zi, t * half, rest);
        }
        fft.forward(zr, zi, half);
        for (int k = 0; k < n; k++) {
            int kk = (n - k) % n, zk = k * half, zkk = kk * half, o = k * batch;
            double c = cos[k], s = sin[k];
            for (int b = 0; b < half; b++) {
                double ar = zr[zk + b], ai = zi[zk + b], br = zr[zkk + b], bi = zi[zkk + b];
                // V1 = (Z[k] + conj Z[N−k])/2, V2 = (Z[k] − conj Z[N−k])/(2i); X = c·Re V + s·Im V
                out[o + b] = 0.5 * (c * (ar + br) + s * (ai - bi));
                if (b < rest) {
                    out[o + half + b] = 0.5 * (c * (ai + bi) + s * (br - ar));
                }
            }
        }
    }

    /** X [N, batch] -> out [N, batch] with forward(out) == X (out may not alias X). */
    void inverse(double[] xf, double[] out, int batch) {
        check(xf, out, batch);
        int half = (batch + 1) / 2, rest = batch - half;
        double[] zr = new double[n * half], zi = new double[n * half];
        for (int k = 0; k < n; k++) {
            // U[k] = X[k] − i·X[N−k] (X[N] = 0), V[k] = exp(iπk/2N)·U[k]; Z = V1 + i·V2, stored conjugated so the
            // forward FFT computes the inverse one
            int o = k * batch, oo = (n - k) * batch, zk = k * half;
            double c = cos[k], s = sin[k];
            for (int b = 0; b < half; b++) {
                double u1r = xf[o + b], u1i = k == 0 ? 0 : -xf[oo + b];
                double u2r = 0, u2i = 0;
                if (b < rest) {
                    u2r = xf[o + half + b];
                    u2i = k == 0 ? 0 : -xf[oo + half + b];
                }
                double v1r = c * u1r - s * u1i, v1i = s * u1r + c * u1i;
                double v2r = c * u2r - s * u2i, v2i = s * u2r + c * u2i;
                zr[zk + b] = v1r - v2i;
                zi[zk + b] = -(v1i + v2r);
            }
        }
        fft.forward(zr, zi, half);
        double scale = 1.0 / n;
        for (int t = 0; t < n; t++) {
            int dst = source(t) * batch, zt = t * half;
            for (int b = 0; b < half; b++) {
                out[dst + b] = zr[zt + b] * scale;
                if (b < rest) {
                    out[dst + half + b] = -zi[zt + b] * scale;
                }
            }
        }
    }

    private void check(double[] in, double[] out, int batch) {
        if (batch < 1 || in.length != (long) n * batch || out.length != in.length || in == out) {
            throw new IllegalArgumentException("DCT of length " + n + " x batch " + batch + ": bad arrays ("
                    + in.length + ", " + out.length + (in == out ? ", aliased" : "") + ")");
        }
    }

    /** O(N²) DCT-II by the definition, the reference for tests. */
    static void naiveForward(double[] x, double[] out, int n, int batch) {
        for (int k = 0; k < n; k++) {
            for (int b = 0; b < batch; b++) {
                double acc = 0;
                for (int t = 0; t < n; t++) {
                    acc += x[t * batch + b] * Math.cos(Math.PI * k * (2 * t + 1) / (2.0 * n));
                }
                out[k * batch + b] = acc;
            }
        }
    }
}
