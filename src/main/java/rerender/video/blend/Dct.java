// Batched DCT-II and its inverse along the first axis, in float, by one complex FFT of the same length (Makhoul 1980,
// "A fast cosine transform in one and two dimensions"); two real signals ride in one complex FFT.
package rerender.video.blend;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * Forward: X[k] = Σ_n x[n]·cos(πk(2n+1)/(2N)) (unnormalised DCT-II); {@link #inverse} undoes it (up to float
 * rounding, ~1e-6 relative).
 * Data: N rows of {@code batch} lanes, element n of signal b at n·batch + b. Immutable and thread-safe.
 * <p>
 * Makhoul: with v = (x[0], x[2], x[4], …, x[5], x[3], x[1]) and V = FFT(v), X[k] = Re(exp(−iπk/2N)·V[k]).
 * Lane b and lane b + ⌈batch/2⌉ form one complex signal (real, imaginary part); their spectra separate by the
 * conjugate symmetry of real signals.
 */
final class Dct {
    final int n;
    private final Fft fft;
    private final float[] cos, sin; // cos, sin of πk/(2N)

    Dct(int n) {
        this.n = n;
        this.fft = new Fft(n);
        cos = new float[n];
        sin = new float[n];
        for (int k = 0; k < n; k++) {
            cos[k] = (float) Math.cos(Math.PI * k / (2.0 * n));
            sin[k] = (float) Math.sin(Math.PI * k / (2.0 * n));
        }
    }

    /** Row of x that lands at row t of Makhoul's permutation v. */
    private int source(int t) {
        return t < (n + 1) / 2 ? 2 * t : 2 * (n - 1 - t) + 1;
    }

    private static final VectorSpecies<Float> V = FloatVector.SPECIES_PREFERRED;
    /** Complex lanes transformed together: a chunk (N × 32 floats, four arrays) stays in the L2 cache. */
    private static final int CHUNK = 32;

    /** x [N, batch] -> out [N, batch] (out may not alias x). */
    void forward(float[] x, float[] out, int batch) {
        check(x, out, batch);
        int half = (batch + 1) / 2;
        float[][] buf = buffers();
        for (int c0 = 0; c0 < half; c0 += CHUNK) {
            forwardChunk(x, out, batch, c0, Math.min(CHUNK, half - c0), buf);
        }
    }

    /** X [N, batch] -> out [N, batch] with forward(out) == X (out may not alias X). */
    void inverse(float[] xf, float[] out, int batch) {
        check(xf, out, batch);
        int half = (batch + 1) / 2;
        float[][] buf = buffers();
        for (int c0 = 0; c0 < half; c0 += CHUNK) {
            inverseChunk(xf, out, batch, c0, Math.min(CHUNK, half - c0), buf);
        }
    }

    private static float[] sized(float[] buf, int size) {
        return buf.length == size ? buf : new float[size];
    }

    private float[][] buffers() {
        return new float[][]{new float[n * CHUNK], new float[n * CHUNK], new float[n * CHUNK], new float[n * CHUNK]};
    }

    // Complex lane b (c0 ≤ b < c0 + len) carries real lane b as its real part and real lane b + half as its
    // imaginary part (zero when that lane does not exist).
    private void forwardChunk(float[] x, float[] out, int batch, int c0, int len, float[][] buf) {
        int half = (batch + 1) / 2, im = Math.max(0, Math.min(len, batch - half - c0)); // lanes with an imaginary part
        float[] zr = sized(buf[0], n * len), zi = sized(buf[1], n * len);
        if (im < len) {
            Arrays.fill(zi, 0);
        }
        for (int t = 0; t < n; t++) {                       // v = Makhoul-permuted rows
            int src = source(t) * batch + c0;
            System.arraycopy(x, src, zr, t * len, len);
            System.arraycopy(x, src + half, zi, t * len, im);
        }
        fft.forward(zr, zi, len, buf[2], buf[3]);
        for (int k = 0; k < n; k++) {
            int zk = k * len, zkk = ((n - k) % n) * len, o = k * batch + c0;
            float hc = 0.5f * cos[k], hs = 0.5f * sin[k];
            // V1 = (Z[k] + conj Z[N−k])/2, V2 = (Z[k] − conj Z[N−k])/(2i); X = cos·Re V + sin·Im V
            int b = 0;
            for (int bound = V.loopBound(len); b < bound; b += V.length()) {
                FloatVector ar = FloatVector.fromArray(V, zr, zk + b), ai = FloatVector.fromArray(V, zi, zk + b);
                FloatVector br = FloatVector.fromArray(V, zr, zkk + b), bi = FloatVector.fromArray(V, zi, zkk + b);
                ar.add(br).mul(hc).add(ai.sub(bi).mul(hs)).intoArray(out, o + b);
            }
            for (; b < len; b++) {
                float ar = zr[zk + b], ai = zi[zk + b], br = zr[zkk + b], bi = zi[zkk + b];
                out[o + b] = hc * (ar + br) + hs * (ai - bi);
            }
            b = 0;
            for (int bound = V.loopBound(im); b < bound; b += V.length()) {
                FloatVector ar = FloatVector.fromArray(V, zr, zk + b), ai = FloatVector.fromArray(V, zi, zk + b);
                FloatVector br = FloatVector.fromArray(V, zr, zkk + b), bi = FloatVector.fromArray(V, zi, zkk + b);
                ai.add(bi).mul(hc).add(br.sub(ar).mul(hs)).intoArray(out, o + half + b);
            }
            for (; b < im; b++) {
                float ar = zr[zk + b], ai = zi[zk + b], br = zr[zkk + b], bi = zi[zkk + b];
                out[o + half + b] = hc * (ai + bi) + hs * (br - ar);
            }
        }
    }

    private void inverseChunk(float[] xf, float[] out, int batch, int c0, int len, float[][] buf) {
        int half = (batch + 1) / 2, im = Math.max(0, Math.min(len, batch - half - c0));
        float[] zr = sized(buf[0], n * len), zi = sized(buf[1], n * len);
        for (int k = 0; k < n; k++) {
            // U[k] = X[k] − i·X[N−k] (X[N] = 0), V[k] = exp(iπk/2N)·U[k]; Z = V1 + i·V2, stored conjugated so the
            // forward FFT computes the inverse one:
            //   Re Z = c·X1[k] + s·X1[N−k] − s·X2[k] + c·X2[N−k],  −Im Z = −(s·X1[k] − c·X1[N−k] + c·X2[k] + s·X2[N−k])
            int o = k * batch + c0, oo = k == 0 ? -1 : (n - k) * batch + c0, zk = k * len;
            float c = cos[k], s = sin[k];
            for (int b = 0; b < len; b++) {
                float x1 = xf[o + b], x1n = oo < 0 ? 0 : xf[oo + b];
                float x2 = 0, x2n = 0;
                if (b < im) {
                    x2 = xf[o + half + b];
                    x2n = oo < 0 ? 0 : xf[oo + half + b];
                }
                zr[zk + b] = c * x1 + s * x1n - s * x2 + c * x2n;
                zi[zk + b] = -(s * x1 - c * x1n + c * x2 + s * x2n);
            }
        }
        fft.forward(zr, zi, len, buf[2], buf[3]);
        float scale = 1.0f / n;
        for (int t = 0; t < n; t++) {
            int dst = source(t) * batch + c0, zt = t * len;
            for (int b = 0; b < len; b++) {
                out[dst + b] = zr[zt + b] * scale;
            }
            for (int b = 0; b < im; b++) {
                out[dst + half + b] = -zi[zt + b] * scale;
            }
        }
    }

    private void check(float[] in, float[] out, int batch) {
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
