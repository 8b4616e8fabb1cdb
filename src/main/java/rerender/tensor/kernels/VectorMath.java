// Lane-wise exp for the kernels: Cody-Waite range reduction plus a degree-6 polynomial (max relative error about
// 2e-7 on [-87, 88]), and a cheaper 2^x for x <= 0 (attention's softmax). The Vector API's EXP falls into a slow path
// for strongly negative inputs, which softmax produces all the time; these cost the same everywhere.
package rerender.tensor.kernels;

import static rerender.tensor.kernels.BlockedGemm.S;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

final class VectorMath {
    private VectorMath() {
    }

    static final float LOG2E = 1.44269504088896341f;

    /** {0, stride, 2 stride, ..}: the index map of a strided vector load (gather) of one lane per stride. */
    static int[] lanesApart(int stride) {
        int[] map = new int[S.length()];
        for (int i = 0; i < map.length; i++) {
            map[i] = i * stride;
        }
        return map;
    }
    /** ln 2 split so that n * LN2_HI is exact for |n| < 2^10. */
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    /** 1.5 * 2^23: adding it rounds to an integer, which then sits in the low mantissa bits. */
    private static final float MAGIC = 12582912f;

    /** e^x lane-wise; inputs clamped to [-87.3, 88.3] (results below ~1e-38 are not flushed to 0, NaN stays NaN). */
    static FloatVector exp(FloatVector x) {
        x = x.max(-87.3f).min(88.3f);
        FloatVector r = x.fma(FloatVector.broadcast(S, LOG2E), FloatVector.broadcast(S, MAGIC));
        FloatVector n = r.sub(MAGIC); // round(x / ln 2)
        FloatVector f = n.fma(FloatVector.broadcast(S, -LN2_HI), x);
        f = n.fma(FloatVector.broadcast(S, -LN2_LO), f); // x - n ln 2, in [-ln2/2, ln2/2]
        FloatVector p = FloatVector.broadcast(S, 1.3981999507e-3f);
        p = p.fma(f, FloatVector.broadcast(S, 8.3334519073e-3f));
        p = p.fma(f, FloatVector.broadcast(S, 4.1665795894e-2f));
        p = p.fma(f, FloatVector.broadcast(S, 1.6666665459e-1f));
        p = p.fma(f, FloatVector.broadcast(S, 5.0000001201e-1f));
        p = p.fma(f.mul(f), f).add(1f); // e^f
        IntVector scale = r.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23); // n << 23 (magic bits shift out)
        return p.reinterpretAsInts().add(scale).reinterpretAsFloats();
    }

    /**
     * 2^x lane-wise for x <= 0 (softmax after subtracting the maximum): x = n + f with n = round(x), f in
     * [-1/2, 1/2] exactly, 2^f by a degree-6 polynomial (relative error 2e-9, about 1e-7 after float rounding)
     * and n added to the exponent. Inputs below -126 give ~2^-126 (< 1.2e-38) instead of smaller values; NaN stays
     * NaN. 12 vector operations against 16 of e^x with Cody-Waite reduction.
     */
    static FloatVector exp2NonPositive(FloatVector x) {
        // clamped by compare and blend: max() must also order -0.0 / +0.0 and NaN, which costs more instructions
        x = x.blend(-126f, x.compare(VectorOperators.LT, -126f));
        FloatVector r = x.add(MAGIC);
        FloatVector f = x.sub(r.sub(MAGIC));
        FloatVector p = FloatVector.broadcast(S, 1.5370705e-4f);
        p = p.fma(f, FloatVector.broadcast(S, 1.3399848e-3f));
        p = p.fma(f, FloatVector.broadcast(S, 9.618374e-3f));
        p = p.fma(f, FloatVector.broadcast(S, 5.550329e-2f));
        p = p.fma(f, FloatVector.broadcast(S, 2.4022648e-1f));
        p = p.fma(f, FloatVector.broadcast(S, 6.931472e-1f));
        p = p.fma(f, FloatVector.broadcast(S, 1f));
        IntVector n = r.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23); // n << 23 (magic bits shift out)
        return p.reinterpretAsInts().add(n).reinterpretAsFloats();
    }

    /**
     * 1 + erf(x) lane-wise, from the Chebyshev-fitted erfc of Numerical Recipes (2nd ed., 6.2; |error| < 1.2e-7):
     * erfc(|x|) = t exp(-x^2 + P(t)), t = 1 / (1 + |x|/2). Returned as 1 + erf so that GELU never subtracts
     * nearly equal numbers: 2 - erfc(|x|) for x >= 0, erfc(|x|) for x < 0.
     */
    static FloatVector onePlusErf(FloatVector x) {
        FloatVector z = x.abs();
        FloatVector one = FloatVector.broadcast(S, 1f);
        FloatVector t = one.div(z.fma(FloatVector.broadcast(S, 0.5f), one));
        FloatVector p = FloatVector.broadcast(S, 0.17087277f);
        p = p.fma(t, FloatVector.broadcast(S, -0.82215223f));
        p = p.fma(t, FloatVector.broadcast(S, 1.48851587f));
        p = p.fma(t, FloatVector.broadcast(S, -1.13520398f));
        p = p.fma(t, FloatVector.broadcast(S, 0.27886807f));
        p = p.fma(t, FloatVector.broadcast(S, -0.18628806f));
        p = p.fma(t, FloatVector.broadcast(S, 0.09678418f));
        p = p.fma(t, FloatVector.broadcast(S, 0.37409196f));
        p = p.fma(t, FloatVector.broadcast(S, 1.00002368f));
        p = p.fma(t, FloatVector.broadcast(S, -1.26551223f));
        FloatVector erfc = t.mul(exp(z.neg().fma(z, p)));
        return erfc.blend(FloatVector.broadcast(S, 2f).sub(erfc), x.compare(VectorOperators.GE, 0f));
    }
}
