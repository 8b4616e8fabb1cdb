package rerender.tensor;

import org.junit.jupiter.api.Test;
import rerender.tensor.kernels.Parallel;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
