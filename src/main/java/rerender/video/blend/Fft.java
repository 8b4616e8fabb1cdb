// Batched complex FFT of any length: mixed-radix Stockham auto-sort (radix 4, 2 and generic small primes), and
// Bluestein's chirp-z convolution for lengths with a prime factor above MAX_DIRECT_RADIX. Used by Dct.
package rerender.video.blend;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.ArrayList;
import java.util.List;

/**
 * A plan for the unnormalised forward DFT X[k] = Σ_n x[n]·exp(−2πi·nk/N) of {@code batch} signals at once.
 * Data layout: element n of signal b is at index n·batch + b (rows are elements, lanes are signals), so every
 * butterfly works on whole contiguous rows and the inner loops vectorise. Immutable and thread-safe.
 */
final class Fft {
    /** Prime factors up to this size get a direct O(p²) butterfly; a larger prime factor switches to Bluestein. */
    static final int MAX_DIRECT_RADIX = 31;

    final int n;
    private final int[] radices;
    /** Per stage: exp(−2πi·q·k/len) for q < len/p, k < p, as [q·p + k]. */
    private final float[][] twRe, twIm;
    private final Bluestein bluestein;

    Fft(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("FFT length must be >= 1, got " + n);
        }
        this.n = n;
        List<Integer> f = factor(n);
        if (!f.isEmpty() && f.getLast() > MAX_DIRECT_RADIX) {
            radices = new int[0];
            twRe = twIm = new float[0][];
            bluestein = new Bluestein(n);
            return;
        }
        bluestein = null;
        radices = f.stream().mapToInt(Integer::intValue).toArray();
        twRe = new float[radices.length][];
        twIm = new float[radices.length][];
        int len = n;
        for (int s = 0; s < radices.length; s++) {
            int p = radices[s], m = len / p;
            twRe[s] = new float[m * p];
            twIm[s] = new float[m * p];
            for (int q = 0; q < m; q++) {
                for (int k = 0; k < p; k++) {
                    double ang = -2 * Math.PI * ((long) q * k % len) / len;
                    twRe[s][q * p + k] = (float) Math.cos(ang);
                    twIm[s][q * p + k] = (float) Math.sin(ang);
                }
            }
            len = m;
        }
    }

    /** Radix-4 first, then 2, then the odd primes ascending. */
    private static List<Integer> factor(int n) {
        List<Integer> f = new ArrayList<>();
        while (n % 4 == 0) {
            f.add(4);
            n /= 4;
        }
        while (n % 2 == 0) {
            f.add(2);
            n /= 2;
        }
        for (int p = 3; (long) p * p <= n; p += 2) {
            while (n % p == 0) {
                f.add(p);
                n /= p;
            }
        }
        if (n > 1) {
            f.add(n);
        }
        // keep the largest prime last so the Bluestein decision sees it
        f.sort(java.util.Comparator.comparingInt(r -> r == 4 ? 0 : r));
        return f;
    }

    /** In-place forward DFT of {@code batch} signals; re/im have length n·batch. */
    void forward(float[] re, float[] im, int batch) {
        forward(re, im, batch, new float[re.length], new float[re.length]);
    }

    /** As {@link #forward(float[], float[], int)} with caller-provided scratch arrays of at least n·batch. */
    void forward(float[] re, float[] im, int batch, float[] scratchRe, float[] scratchIm) {
        if (re.length != (long) n * batch || im.length != re.length || scratchRe.length < re.length
                || scratchIm.length < re.length) {
            throw new IllegalArgumentException("FFT of length " + n + " x batch " + batch + " needs arrays of "
                    + (long) n * batch + ", got " + re.length + " and " + im.length);
        }
        if (bluestein != null) {
            bluestein.forward(re, im, batch);
            return;
        }
        if (radices.length == 0) {
            return; // n == 1: identity
        }
        float[] xr = re, xi = im, yr = scratchRe, yi = scratchIm;
        int len = n, s = 1;
        for (int st = 0; st < radices.length; st++) {
            int p = radices[st], m = len / p, lanes = s * batch;
            switch (p) {
                case 4 -> radix4(xr, xi, yr, yi, m, lanes, twRe[st], twIm[st]);
                case 2 -> radix2(xr, xi, yr, yi, m, lanes, twRe[st], twIm[st]);
                case 3 -> radix3(xr, xi, yr, yi, m, lanes, twRe[st], twIm[st]);
                case 5 -> radix5(xr, xi, yr, yi, m, lanes, twRe[st], twIm[st]);
                default -> radixGeneric(p, xr, xi, yr, yi, m, lanes, twRe[st], twIm[st]);
            }
            float[] t = xr;
            xr = yr;
            yr = t;
            t = xi;
            xi = yi;
            yi = t;
            len = m;
            s *= p;
        }
        if (xr != re) {
            System.arraycopy(xr, 0, re, 0, re.length);
            System.arraycopy(xi, 0, im, 0, im.length);
        }
    }

    // Stockham step: inputs x_r = block (q + m·r), outputs y_k = block (p·q + k); each block is `lanes` long.
    // y_k = (Σ_r x_r·W_p^{rk})·w_len^{qk}.
    private static final VectorSpecies<Float> V = FloatVector.SPECIES_PREFERRED;

    private static void radix2(float[] xr, float[] xi, float[] yr, float[] yi, int m, int lanes, float[] wr, float[] wi) {
        int bound = V.loopBound(lanes);
        for (int q = 0; q < m; q++) {
            int a = q * lanes, b = (q + m) * lanes, o0 = 2 * q * lanes, o1 = o0 + lanes;
            float cr = wr[2 * q + 1], ci = wi[2 * q + 1];
            int j = 0;
            for (; j < bound; j += V.length()) {
                FloatVector ar = FloatVector.fromArray(V, xr, a + j), ai = FloatVector.fromArray(V, xi, a + j);
                FloatVector br = FloatVector.fromArray(V, xr, b + j), bi = FloatVector.fromArray(V, xi, b + j);
                ar.add(br).intoArray(yr, o0 + j);
                ai.add(bi).intoArray(yi, o0 + j);
                FloatVector dr = ar.sub(br), di = ai.sub(bi);
                dr.mul(cr).sub(di.mul(ci)).intoArray(yr, o1 + j);
                dr.mul(ci).add(di.mul(cr)).intoArray(yi, o1 + j);
            }
            for (; j < lanes; j++) {
                float ar = xr[a + j], ai = xi[a + j], br = xr[b + j], bi = xi[b + j];
                yr[o0 + j] = ar + br;
                yi[o0 + j] = ai + bi;
                float dr = ar - br, di = ai - bi;
                yr[o1 + j] = dr * cr - di * ci;
                yi[o1 + j] = dr * ci + di * cr;
            }
        }
    }

    private static void radix4(float[] xr, float[] xi, float[] yr, float[] yi, int m, int lanes, float[] wr, float[] wi) {
        int bound = V.loopBound(lanes);
        for (int q = 0; q < m; q++) {
            int i0 = q * lanes, i1 = (q + m) * lanes, i2 = (q + 2 * m) * lanes, i3 = (q + 3 * m) * lanes;
            int o0 = 4 * q * lanes, o1 = o0 + lanes, o2 = o1 + lanes, o3 = o2 + lanes;
            float c1r = wr[4 * q + 1], c1i = wi[4 * q + 1], c2r = wr[4 * q + 2], c2i = wi[4 * q + 2];
            float c3r = wr[4 * q + 3], c3i = wi[4 * q + 3];
            int j = 0;
            for (; j < bound; j += V.length()) {
                FloatVector x0r = FloatVector.fromArray(V, xr, i0 + j), x0i = FloatVector.fromArray(V, xi, i0 + j);
                FloatVector x1r = FloatVector.fromArray(V, xr, i1 + j), x1i = FloatVector.fromArray(V, xi, i1 + j);
                FloatVector x2r = FloatVector.fromArray(V, xr, i2 + j), x2i = FloatVector.fromArray(V, xi, i2 + j);
                FloatVector x3r = FloatVector.fromArray(V, xr, i3 + j), x3i = FloatVector.fromArray(V, xi, i3 + j);
                FloatVector t0r = x0r.add(x2r), t0i = x0i.add(x2i), t1r = x0r.sub(x2r), t1i = x0i.sub(x2i);
                FloatVector t2r = x1r.add(x3r), t2i = x1i.add(x3i);
                FloatVector t3r = x1i.sub(x3i), t3i = x3r.sub(x1r); // (x1 − x3)·(−i)
                t0r.add(t2r).intoArray(yr, o0 + j);
                t0i.add(t2i).intoArray(yi, o0 + j);
                FloatVector ar = t1r.add(t3r), ai = t1i.add(t3i);
                ar.mul(c1r).sub(ai.mul(c1i)).intoArray(yr, o1 + j);
                ar.mul(c1i).add(ai.mul(c1r)).intoArray(yi, o1 + j);
                FloatVector br = t0r.sub(t2r), bi = t0i.sub(t2i);
                br.mul(c2r).sub(bi.mul(c2i)).intoArray(yr, o2 + j);
                br.mul(c2i).add(bi.mul(c2r)).intoArray(yi, o2 + j);
                FloatVector dr = t1r.sub(t3r), di = t1i.sub(t3i);
                dr.mul(c3r).sub(di.mul(c3i)).intoArray(yr, o3 + j);
                dr.mul(c3i).add(di.mul(c3r)).intoArray(yi, o3 + j);
            }
            for (; j < lanes; j++) {
                float x0r = xr[i0 + j], x0i = xi[i0 + j], x1r = xr[i1 + j], x1i = xi[i1 + j];
                float x2r = xr[i2 + j], x2i = xi[i2 + j], x3r = xr[i3 + j], x3i = xi[i3 + j];
                float t0r = x0r + x2r, t0i = x0i + x2i, t1r = x0r - x2r, t1i = x0i - x2i;
                float t2r = x1r + x3r, t2i = x1i + x3i;
                float t3r = x1i - x3i, t3i = x3r - x1r;
                yr[o0 + j] = t0r + t2r;
                yi[o0 + j] = t0i + t2i;
                float ar = t1r + t3r, ai = t1i + t3i;
                yr[o1 + j] = ar * c1r - ai * c1i;
                yi[o1 + j] = ar * c1i + ai * c1r;
                float br = t0r - t2r, bi = t0i - t2i;
                yr[o2 + j] = br * c2r - bi * c2i;
                yi[o2 + j] = br * c2i + bi * c2r;
                float dr = t1r - t3r, di = t1i - t3i;
                yr[o3 + j] = dr * c3r - di * c3i;
                yi[o3 + j] = dr * c3i + di * c3r;
            }
        }
    }

    private static void radix3(float[] xr, float[] xi, float[] yr, float[] yi, int m, int lanes, float[] wr, float[] wi) {
        final float c = -0.5f, sn = (float) (Math.sqrt(3) / 2); // W_3 = c − i·sn
        for (int q = 0; q < m; q++) {
            int i0 = q * lanes, i1 = (q + m) * lanes, i2 = (q + 2 * m) * lanes;
            int o0 = 3 * q * lanes, o1 = o0 + lanes, o2 = o1 + lanes;
            float c1r = wr[3 * q + 1], c1i = wi[3 * q + 1], c2r = wr[3 * q + 2], c2i = wi[3 * q + 2];
            for (int j = 0; j < lanes; j++) {
                float x0r = xr[i0 + j], x0i = xi[i0 + j], x1r = xr[i1 + j], x1i = xi[i1 + j];
                float x2r = xr[i2 + j], x2i = xi[i2 + j];
                float sr = x1r + x2r, si = x1i + x2i, dr = sn * (x1r - x2r), di = sn * (x1i - x2i);
                float pr = x0r + c * sr, pi = x0i + c * si;
                yr[o0 + j] = x0r + sr;
                yi[o0 + j] = x0i + si;
                float ar = pr + di, ai = pi - dr;     // y1 = p − i·d
                yr[o1 + j] = ar * c1r - ai * c1i;
                yi[o1 + j] = ar * c1i + ai * c1r;
                float br = pr - di, bi = pi + dr;     // y2 = p + i·d
                yr[o2 + j] = br * c2r - bi * c2i;
                yi[o2 + j] = br * c2i + bi * c2r;
            }
        }
    }

    private static void radix5(float[] xr, float[] xi, float[] yr, float[] yi, int m, int lanes, float[] wr, float[] wi) {
        final float c1 = (float) Math.cos(2 * Math.PI / 5), c2 = (float) Math.cos(4 * Math.PI / 5);
        final float s1 = (float) Math.sin(2 * Math.PI / 5), s2 = (float) Math.sin(4 * Math.PI / 5);
        for (int q = 0; q < m; q++) {
            int i0 = q * lanes, i1 = (q + m) * lanes, i2 = (q + 2 * m) * lanes, i3 = (q + 3 * m) * lanes;
            int i4 = (q + 4 * m) * lanes;
            int o0 = 5 * q * lanes, o1 = o0 + lanes, o2 = o1 + lanes, o3 = o2 + lanes, o4 = o3 + lanes;
            float t1r = wr[5 * q + 1], t1i = wi[5 * q + 1], t2r = wr[5 * q + 2], t2i = wi[5 * q + 2];
            float t3r = wr[5 * q + 3], t3i = wi[5 * q + 3], t4r = wr[5 * q + 4], t4i = wi[5 * q + 4];
            int j = 0;
            for (int bound = V.loopBound(lanes); j < bound; j += V.length()) {
                FloatVector x0r = FloatVector.fromArray(V, xr, i0 + j), x0i = FloatVector.fromArray(V, xi, i0 + j);
                FloatVector x1r = FloatVector.fromArray(V, xr, i1 + j), x1i = FloatVector.fromArray(V, xi, i1 + j);
                FloatVector x2r = FloatVector.fromArray(V, xr, i2 + j), x2i = FloatVector.fromArray(V, xi, i2 + j);
                FloatVector x3r = FloatVector.fromArray(V, xr, i3 + j), x3i = FloatVector.fromArray(V, xi, i3 + j);
                FloatVector x4r = FloatVector.fromArray(V, xr, i4 + j), x4i = FloatVector.fromArray(V, xi, i4 + j);
                FloatVector a1r = x1r.add(x4r), a1i = x1i.add(x4i), b1r = x1r.sub(x4r), b1i = x1i.sub(x4i);
                FloatVector a2r = x2r.add(x3r), a2i = x2i.add(x3i), b2r = x2r.sub(x3r), b2i = x2i.sub(x3i);
                x0r.add(a1r).add(a2r).intoArray(yr, o0 + j);
                x0i.add(a1i).add(a2i).intoArray(yi, o0 + j);
                FloatVector p1r = x0r.add(a1r.mul(c1)).add(a2r.mul(c2)), p1i = x0i.add(a1i.mul(c1)).add(a2i.mul(c2));
                FloatVector m1r = b1r.mul(s1).add(b2r.mul(s2)), m1i = b1i.mul(s1).add(b2i.mul(s2));
                FloatVector p2r = x0r.add(a1r.mul(c2)).add(a2r.mul(c1)), p2i = x0i.add(a1i.mul(c2)).add(a2i.mul(c1));
                FloatVector m2r = b1r.mul(s2).sub(b2r.mul(s1)), m2i = b1i.mul(s2).sub(b2i.mul(s1));
                FloatVector vr = p1r.add(m1i), vi = p1i.sub(m1r);      // y1 = p1 − i·m1
                vr.mul(t1r).sub(vi.mul(t1i)).intoArray(yr, o1 + j);
                vr.mul(t1i).add(vi.mul(t1r)).intoArray(yi, o1 + j);
                vr = p2r.add(m2i);                                       // y2 = p2 − i·m2
                vi = p2i.sub(m2r);
                vr.mul(t2r).sub(vi.mul(t2i)).intoArray(yr, o2 + j);
                vr.mul(t2i).add(vi.mul(t2r)).intoArray(yi, o2 + j);
                vr = p2r.sub(m2i);                                       // y3 = p2 + i·m2
                vi = p2i.add(m2r);
                vr.mul(t3r).sub(vi.mul(t3i)).intoArray(yr, o3 + j);
                vr.mul(t3i).add(vi.mul(t3r)).intoArray(yi, o3 + j);
                vr = p1r.sub(m1i);                                       // y4 = p1 + i·m1
                vi = p1i.add(m1r);
                vr.mul(t4r).sub(vi.mul(t4i)).intoArray(yr, o4 + j);
                vr.mul(t4i).add(vi.mul(t4r)).intoArray(yi, o4 + j);
            }
            for (; j < lanes; j++) {
                float x0r = xr[i0 + j], x0i = xi[i0 + j];
                float a1r = xr[i1 + j] + xr[i4 + j], a1i = xi[i1 + j] + xi[i4 + j];
                float b1r = xr[i1 + j] - xr[i4 + j], b1i = xi[i1 + j] - xi[i4 + j];
                float a2r = xr[i2 + j] + xr[i3 + j], a2i = xi[i2 + j] + xi[i3 + j];
                float b2r = xr[i2 + j] - xr[i3 + j], b2i = xi[i2 + j] - xi[i3 + j];
                yr[o0 + j] = x0r + a1r + a2r;
                yi[o0 + j] = x0i + a1i + a2i;
                float p1r = x0r + c1 * a1r + c2 * a2r, p1i = x0i + c1 * a1i + c2 * a2i;
                float m1r = s1 * b1r + s2 * b2r, m1i = s1 * b1i + s2 * b2i;
                float p2r = x0r + c2 * a1r + c1 * a2r, p2i = x0i + c2 * a1i + c1 * a2i;
                float m2r = s2 * b1r - s1 * b2r, m2i = s2 * b1i - s1 * b2i;
                float vr = p1r + m1i, vi = p1i - m1r;  // y1 = p1 − i·m1
                yr[o1 + j] = vr * t1r - vi * t1i;
                yi[o1 + j] = vr * t1i + vi * t1r;
                vr = p2r + m2i;                          // y2 = p2 − i·m2
                vi = p2i - m2r;
                yr[o2 + j] = vr * t2r - vi * t2i;
                yi[o2 + j] = vr * t2i + vi * t2r;
                vr = p2r - m2i;                          // y3 = p2 + i·m2
                vi = p2i + m2r;
                yr[o3 + j] = vr * t3r - vi * t3i;
                yi[o3 + j] = vr * t3i + vi * t3r;
                vr = p1r - m1i;                          // y4 = p1 + i·m1
                vi = p1i + m1r;
                yr[o4 + j] = vr * t4r - vi * t4i;
                yi[o4 + j] = vr * t4i + vi * t4r;
            }
        }
    }

    /** Any small prime p: per lane, the p-point DFT in registers-sized scratch, then the twiddles. */
    private static void radixGeneric(int p, float[] xr, float[] xi, float[] yr, float[] yi, int m, int lanes,
                                     float[] wr, float[] wi) {
        float[] rootRe = new float[p], rootIm = new float[p], ar = new float[p], ai = new float[p];
        for (int t = 0; t < p; t++) {
            rootRe[t] = (float) Math.cos(-2 * Math.PI * t / p);
            rootIm[t] = (float) Math.sin(-2 * Math.PI * t / p);
        }
        for (int q = 0; q < m; q++) {
            for (int j = 0; j < lanes; j++) {
                for (int r = 0; r < p; r++) {
                    ar[r] = xr[(q + m * r) * lanes + j];
                    ai[r] = xi[(q + m * r) * lanes + j];
                }
                for (int k = 0; k < p; k++) {
                    float sr = 0, si = 0;
                    for (int r = 0, t = 0; r < p; r++, t = t + k >= p ? t + k - p : t + k) { // t = r·k mod p
                        sr += ar[r] * rootRe[t] - ai[r] * rootIm[t];
                        si += ar[r] * rootIm[t] + ai[r] * rootRe[t];
                    }
                    int out = (p * q + k) * lanes + j;
                    float cr = wr[q * p + k], ci = wi[q * p + k];
                    yr[out] = sr * cr - si * ci;
                    yi[out] = sr * ci + si * cr;
                }
            }
        }
    }

    /** O(N²) DFT, the reference the fast plan is tested against. */
    static void naiveForward(double[] re, double[] im, int n, int batch) {
        double[] or = new double[re.length], oi = new double[im.length];
        for (int k = 0; k < n; k++) {
            for (int t = 0; t < n; t++) {
                double ang = -2 * Math.PI * ((long) k * t % n) / n, c = Math.cos(ang), s = Math.sin(ang);
                for (int b = 0; b < batch; b++) {
                    double a = re[t * batch + b], d = im[t * batch + b];
                    or[k * batch + b] += a * c - d * s;
                    oi[k * batch + b] += a * s + d * c;
                }
            }
        }
        System.arraycopy(or, 0, re, 0, re.length);
        System.arraycopy(oi, 0, im, 0, im.length);
    }

    /**
     * Bluestein: X[k] = c̄[k]·Σ_t (x[t]·c̄[t])·c[k−t] with the chirp c[t] = exp(iπt²/N), the sum a circular
     * convolution of power-of-two length M ≥ 2N−1 done with the Stockham plan.
     */
    private static final class Bluestein {
        private final int n, m;
        private final Fft inner;
        private final float[] chirpRe, chirpIm;   // c̄[t] = exp(−iπt²/N), t < N
        private final float[] kernRe, kernIm;     // FFT of the wrapped chirp c[t], length M, divided by M

        Bluestein(int n) {
            this.n = n;
            int size = 1;
            while (size < 2 * n - 1) {
                size <<= 1;
            }
            m = size;
            inner = new Fft(m);
            chirpRe = new float[n];
            chirpIm = new float[n];
            for (int t = 0; t < n; t++) {
                double ang = -Math.PI * ((long) t * t % (2L * n)) / n;
                chirpRe[t] = (float) Math.cos(ang);
                chirpIm[t] = (float) Math.sin(ang);
            }
            kernRe = new float[m];
            kernIm = new float[m];
            for (int t = 0; t < n; t++) {
                kernRe[t] = chirpRe[t];
                kernIm[t] = -chirpIm[t];
                if (t > 0) {
                    kernRe[m - t] = chirpRe[t];
                    kernIm[m - t] = -chirpIm[t];
                }
            }
            inner.forward(kernRe, kernIm, 1);
            for (int i = 0; i < m; i++) {
                kernRe[i] /= m;
                kernIm[i] /= m;
            }
        }

        void forward(float[] re, float[] im, int batch) {
            float[] ar = new float[m * batch], ai = new float[m * batch];
            for (int t = 0; t < n; t++) {
                float cr = chirpRe[t], ci = chirpIm[t];
                for (int b = 0, i = t * batch; b < batch; b++, i++) {
                    ar[i] = re[i] * cr - im[i] * ci;
                    ai[i] = re[i] * ci + im[i] * cr;
                }
            }
            inner.forward(ar, ai, batch);
            // multiply by the kernel spectrum and conjugate: the next forward FFT then computes the inverse (conjugated)
            for (int f = 0; f < m; f++) {
                float kr = kernRe[f], ki = kernIm[f];
                for (int b = 0, i = f * batch; b < batch; b++, i++) {
                    float xr = ar[i], xi = ai[i];
                    ar[i] = xr * kr - xi * ki;
                    ai[i] = -(xr * ki + xi * kr);
                }
            }
            inner.forward(ar, ai, batch);
            for (int k = 0; k < n; k++) {
                float cr = chirpRe[k], ci = chirpIm[k];
                for (int b = 0, i = k * batch; b < batch; b++, i++) {
                    float xr = ar[i], xi = -ai[i]; // undo the conjugation
                    re[i] = xr * cr - xi * ci;
                    im[i] = xr * ci + xi * cr;
                }
            }
        }
    }
}
