package rerender.tensor;

import org.junit.jupiter.api.Test;
import rerender.tensor.kernels.Parallel;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ComputeTest {
    private final Compute c = new Compute(Parallel.serial());

    @Test
    void erfAndGeluMatchTabulatedValues() {
        // erf from Abramowitz & Stegun Table 7.1
        assertEquals(0.0, Compute.erf(0), 1e-7);
        assertEquals(0.5204998778, Compute.erf(0.5), 2e-7);
        assertEquals(0.8427007929, Compute.erf(1), 2e-7);
        assertEquals(0.9953222650, Compute.erf(2), 2e-7);
        assertEquals(-0.8427007929, Compute.erf(-1), 2e-7);
        // gelu(x) = x Phi(x); Phi(1) = 0.8413447461
        assertEquals(0.8413447461, Compute.gelu(1f), 2e-7);
        assertEquals(-0.1586552539, Compute.gelu(-1f), 2e-7);
        assertEquals(2 * 0.9772498681, Compute.gelu(2f), 4e-7);
    }

    @Test
    void gegluMultipliesValueHalfByGeluOfGateHalf() {
        Tensor x = Tensor.of(new float[] {3f, -2f, 1f, -1f}, 1, 4); // values (3, -2), gates (1, -1)
        Tensor y = c.geglu(x);
        assertArrayEquals(new int[] {1, 2}, y.shape());
        assertEquals(3 * 0.8413447461, y.data()[0], 1e-6);
        assertEquals(-2 * -0.1586552539, y.data()[1], 1e-6);
    }

    @Test
    void vectorGegluMatchesScalarReferenceOnAwkwardWidths() {
        SplittableRandom r = new SplittableRandom(5);
        try (Parallel p = new Parallel(3)) {
            Compute pc = new Compute(p);
            for (int[] rw : new int[][] {{1, 1}, {3, 7}, {5, 17}, {300, 64}, {1, 40000}}) {
                int rows = rw[0], w = rw[1];
                float[] a = new float[rows * 2 * w];
                for (int i = 0; i < a.length; i++) {
                    a[i] = (float) (r.nextDouble(-12, 12) * (i % 5 == 0 ? 0.01 : 1));
                }
                Tensor y = pc.geglu(Tensor.of(a, rows, 2 * w));
                for (int row = 0; row < rows; row++) {
                    for (int i = 0; i < w; i++) {
                        float h = a[row * 2 * w + i], g = a[row * 2 * w + w + i];
                        double ref = h * (0.5 * g * (1 + Compute.erf(g / Math.sqrt(2)))); // double reference
                        double tol = 4e-7 * Math.max(1, Math.abs(h)) * Math.max(1, Math.abs(g));
                        assertEquals(ref, y.data()[row * w + i], tol, "h " + h + " gate " + g);
                    }
                }
            }
        }
        // far negative gates: gelu(-6) = -6 Phi(-6) = -5.9196e-9, needs erfc without cancellation
        Tensor y = c.geglu(Tensor.of(new float[] {1, 1, 1, 1, 1, 1, 1, 1, -6, -6, -6, -6, -6, -6, -6, -6}, 1, 16));
        assertEquals(-6 * 9.865876450377e-10, y.data()[0], 1e-5 * 6 * 9.865876450377e-10); // relative 1e-5
    }

    @Test
    void parallelElementwiseAndLayoutOpsMatchSerial() {
        SplittableRandom r = new SplittableRandom(9);
        float[] a = new float[2 * 37 * 41 * 29], b = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) r.nextDouble(-3, 3);
            b[i] = (float) r.nextDouble(-3, 3);
        }
        Tensor x = Tensor.of(a, 2, 37, 41, 29), y = Tensor.of(b, 2, 37, 41, 29);
        try (Parallel p = new Parallel(3)) {
            Compute pc = new Compute(p);
            assertArrayEquals(c.add(x, y).data(), pc.add(x, y).data());
            assertArrayEquals(c.silu(x).data(), pc.silu(x).data());
            assertArrayEquals(c.scale(x, 0.3f).data(), pc.scale(x, 0.3f).data());
            assertArrayEquals(c.clamp(x, -1, 1).data(), pc.clamp(x, -1, 1).data());
            assertArrayEquals(c.upsampleNearest2x(x).data(), pc.upsampleNearest2x(x).data());
            Tensor tokens = pc.toTokens(x); // [2, 41*29, 37]
            for (int n = 0; n < 2; n++) {
                for (int ch = 0; ch < 37; ch++) {
                    for (int q = 0; q < 41 * 29; q++) {
                        assertEquals(a[(n * 37 + ch) * 41 * 29 + q], tokens.data()[(n * 41 * 29 + q) * 37 + ch]);
                    }
                }
            }
            assertArrayEquals(a, pc.fromTokens(tokens, 41, 29).data());
            float[] expect = new float[a.length];
            for (int i = 0; i < a.length; i++) {
                expect[i] = a[i] + 0.25f * b[i];
            }
            assertArrayEquals(expect, pc.addScaled(x, y, 0.25f).data());
            Tensor acc = x.copy();
            pc.addInPlace(acc, y);
            assertArrayEquals(c.add(x, y).data(), acc.data());
        }
    }

    @Test
    void inPlaceGroupNormAndPerChannelAddGiveTheSameBitsOverTheirInput() {
        SplittableRandom r = new SplittableRandom(11);
        int n = 2, ch = 64, hw = 37 * 29;
        float[] a = new float[n * ch * hw], gamma = new float[ch], beta = new float[ch], v = new float[n * ch];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) r.nextDouble(-3, 5);
        }
        for (int i = 0; i < ch; i++) {
            gamma[i] = (float) r.nextDouble(0.5, 1.5);
            beta[i] = (float) r.nextDouble(-0.5, 0.5);
        }
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextDouble(-1, 1);
        }
        Tensor x = Tensor.of(a, n, ch, 37, 29), e = Tensor.of(v, n, ch);
        try (Parallel p = new Parallel(3)) {
            Compute pc = new Compute(p);
            for (boolean silu : new boolean[] {false, true}) {
                float[] expect = pc.groupNorm(x, 32, gamma, beta, 1e-6f, silu).data();
                Tensor own = x.copy();
                Tensor y = pc.groupNormInPlace(own, 32, gamma, beta, 1e-6f, silu);
                assertSame(own.data(), y.data(), "written over its input");
                assertArrayEquals(expect, y.data(), "silu=" + silu);
            }
            float[] expect = new float[a.length];
            for (int i = 0; i < a.length; i++) {
                expect[i] = a[i] + v[i / hw];
            }
            assertArrayEquals(expect, pc.addPerChannel(x, e).data());
            Tensor own = x.copy();
            assertSame(own.data(), pc.addPerChannelInPlace(own, e).data());
            assertArrayEquals(expect, own.data());
        }
    }

    @Test
    void statsCountConvolutionAndLinearFlops() {
        OpStats s = new OpStats();
        try (Parallel p = Parallel.serial()) {
            Compute sc = new Compute(p, s);
            sc.conv2d(Tensor.zeros(1, 3, 10, 10), new float[5 * 3 * 3 * 3], 5, 3, 3, null, 1, 1);
            sc.linear(Tensor.zeros(7, 4), new float[6 * 4], 6, null);
        }
        // conv: 2 * O * Ho * Wo * C * kh * kw = 2 * 5 * 100 * 27; linear: 2 * rows * out * in = 2 * 7 * 6 * 4
        assertEquals(2L * 5 * 100 * 27, s.snapshot().get("conv3x3").flops());
        assertEquals(2L * 7 * 6 * 4, s.snapshot().get("linear(few rows)").flops());
        assertEquals(2L * 5 * 100 * 27 + 2L * 7 * 6 * 4, s.totalFlops());
    }

    @Test
    void timestepEmbeddingIsCosThenSin() {
        Tensor e = Compute.timestepEmbedding(new int[] {0, 10}, 6);
        float[] d = e.data();
        assertArrayEquals(new float[] {1, 1, 1, 0, 0, 0}, java.util.Arrays.copyOf(d, 6), 0f);
        // frequencies 10000^(-i/3): 1, 10000^(-1/3), 10000^(-2/3)
        for (int i = 0; i < 3; i++) {
            double arg = 10 * Math.pow(10000, -i / 3.0);
            assertEquals(Math.cos(arg), d[6 + i], 1e-5);
            assertEquals(Math.sin(arg), d[9 + i], 1e-5);
        }
    }

    @Test
    void layoutOpsAgreeWithIndexArithmetic() {
        Tensor x = random(2, 3, 4, 5);
        Tensor tokens = c.toTokens(x); // [2, 20, 3]
        assertEquals(x.data()[((1 * 3 + 2) * 4 + 3) * 5 + 1], tokens.data()[(1 * 20 + 3 * 5 + 1) * 3 + 2]);
        assertArrayEquals(x.data(), c.fromTokens(tokens, 4, 5).data(), 0f);

        Tensor up = c.upsampleNearest2x(x); // [2, 3, 8, 10]
        assertEquals(x.data()[((1 * 3 + 1) * 4 + 2) * 5 + 4], up.data()[((1 * 3 + 1) * 8 + 5) * 10 + 9]);

        Tensor p = c.padRightBottom(x); // [2, 3, 5, 6]
        assertEquals(0f, p.data()[((1 * 3 + 1) * 5 + 4) * 6 + 2]);
        assertEquals(0f, p.data()[((1 * 3 + 1) * 5 + 2) * 6 + 5]);
        assertEquals(x.data()[((1 * 3 + 1) * 4 + 3) * 5 + 4], p.data()[((1 * 3 + 1) * 5 + 3) * 6 + 4]);

        Tensor y = random(2, 2, 4, 5);
        Tensor cat = c.catChannels(x, y); // [2, 5, 4, 5]
        assertEquals(y.data()[((1 * 2 + 1) * 4 + 2) * 5 + 3], cat.data()[((1 * 5 + 4) * 4 + 2) * 5 + 3]);
        assertEquals(x.data()[((1 * 3 + 2) * 4 + 2) * 5 + 3], cat.data()[((1 * 5 + 2) * 4 + 2) * 5 + 3]);
        assertThrows(IllegalArgumentException.class, () -> c.catChannels(x, random(1, 2, 4, 5)));
    }

    @Test
    void convAndLinearMatchDirectSums() {
        Tensor x = random(1, 2, 3, 3);
        float[] w = random(3, 2, 3, 3).data();
        float[] b = {0.5f, -1f, 2f};
        Tensor y = c.conv2d(x, w, 3, 3, 3, b, 2, 1); // [1, 3, 2, 2]
        assertArrayEquals(new int[] {1, 3, 2, 2}, y.shape());
        // output (o=1, oy=1, ox=0): input rows 1..3 (row 3 padded), cols -1..1
        double s = b[1];
        for (int ic = 0; ic < 2; ic++) {
            for (int ky = 0; ky < 3; ky++) {
                for (int kx = 0; kx < 3; kx++) {
                    int iy = 2 - 1 + ky, ix = -1 + kx;
                    if (iy < 3 && ix >= 0) {
                        s += x.data()[(ic * 3 + iy) * 3 + ix] * w[((1 * 2 + ic) * 3 + ky) * 3 + kx];
                    }
                }
            }
        }
        assertEquals(s, y.data()[(1 * 2 + 1) * 2], 1e-5);

        Tensor in = random(2, 3, 4);
        float[] lw = random(5, 4).data();
        Tensor out = c.linear(in, lw, 5, null);
        assertArrayEquals(new int[] {2, 3, 5}, out.shape());
        double dot = 0;
        for (int k = 0; k < 4; k++) {
            dot += in.data()[(1 * 3 + 2) * 4 + k] * lw[3 * 4 + k];
        }
        assertEquals(dot, out.data()[(1 * 3 + 2) * 5 + 3], 1e-5);
    }

    @Test
    void causalAttentionFirstTokenSeesOnlyItselfAndLastMatchesFullAttention() {
        Tensor q = random(1, 5, 4), k = random(1, 5, 4), v = random(1, 5, 4);
        Tensor causal = c.causalAttention(q, k, v, 2, 0.7f);
        Tensor full = c.attention(q, k, v, 2, 0.7f);
        for (int t = 0; t < 4; t++) {
            assertEquals(v.data()[t], causal.data()[t], 1e-6);            // row 0 = v[0]
            assertEquals(full.data()[16 + t], causal.data()[16 + t], 1e-5); // row 4 sees everything
        }
    }

    private static Tensor random(int... shape) {
        SplittableRandom r = new SplittableRandom(shape.length * 31L + shape[0]);
        Tensor t = Tensor.zeros(shape);
        for (int i = 0; i < t.size(); i++) {
            t.data()[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return t;
    }
}
