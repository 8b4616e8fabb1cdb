// Element-wise activations of SD's blocks, vectorised and threaded: SiLU (ResBlocks), GELU with the exact erf form
// (torch.nn.functional.gelu default) and GEGLU (Shazeer 2020, the feed-forward of SD's transformer blocks).
package rerender.tensor.kernels;

import static rerender.tensor.kernels.BlockedGemm.L;
import static rerender.tensor.kernels.BlockedGemm.S;

import jdk.incubator.vector.FloatVector;

public final class Activations {
    private Activations() {
    }

    /** Elements per parallel task: big enough to amortise the hand-off, small enough to balance. */
    private static final int CHUNK = 16384;
    private static final float INV_SQRT2 = 0.70710678118654752f;

    /** out[i] = x[i] * sigmoid(x[i]) for i < len (out may be x). */
    public static void silu(Parallel p, float[] x, float[] out, int len) {
        check(x, out, len);
        chunks(p, len, (lo, hi) -> {
            FloatVector one = FloatVector.broadcast(S, 1f);
            int i = lo;
            for (int end = hi - (hi - lo) % L; i < end; i += L) {
                FloatVector v = FloatVector.fromArray(S, x, i);
                v.div(one.add(VectorMath.exp(v.neg()))).intoArray(out, i);
            }
            for (; i < hi; i++) {
                out[i] = x[i] / (1f + (float) Math.exp(-x[i]));
            }
        });
    }

    /** out[i] = 0.5 x (1 + erf(x / sqrt 2)) for i < len (out may be x). */
    public static void gelu(Parallel p, float[] x, float[] out, int len) {
        check(x, out, len);
        chunks(p, len, (lo, hi) -> {
            int i = lo;
            for (int end = hi - (hi - lo) % L; i < end; i += L) {
                gelu(FloatVector.fromArray(S, x, i)).intoArray(out, i);
            }
            for (; i < hi; i++) {
                out[i] = (float) geluReference(x[i]);
            }
        });
    }

    /** GEGLU: x [rows, 2*width] split into (h, gate) halves -> out [rows, width] = h * gelu(gate). */
    public static void geglu(Parallel p, float[] x, float[] out, int rows, int width) {
        if (x.length < 2L * rows * width || out.length < (long) rows * width) {
            throw new IllegalArgumentException("geglu: x has " + x.length + " floats (need [" + rows + ", "
                    + 2 * width + "]), out has " + out.length);
        }
        p.forRange(0, rows, (lo, hi) -> gegluRows(x, 0, out, 0, lo, hi, width));
    }

    /** GEGLU of rows [lo, hi): x row r at xOff + r * 2 * width, its output at outOff + r * width. */
    static void gegluRows(float[] x, int xOff, float[] out, int outOff, int lo, int hi, int width) {
        for (int r = lo; r < hi; r++) {
            int xh = xOff + r * 2 * width;
            int xg = xh + width;
            int o = outOff + r * width;
            int i = 0;
            for (int end = width - width % L; i < end; i += L) {
                FloatVector h = FloatVector.fromArray(S, x, xh + i);
                h.mul(gelu(FloatVector.fromArray(S, x, xg + i))).intoArray(out, o + i);
            }
            for (; i < width; i++) {
                out[o + i] = x[xh + i] * (float) geluReference(x[xg + i]);
            }
        }
    }

    private static FloatVector gelu(FloatVector v) {
        return v.mul(0.5f).mul(VectorMath.onePlusErf(v.mul(INV_SQRT2)));
    }

    // ---- references (double precision, scalar) ----

    public static void siluReference(float[] x, float[] out, int len) {
        for (int i = 0; i < len; i++) {
            out[i] = (float) (x[i] / (1.0 + Math.exp(-x[i])));
        }
    }

    public static void geluReference(float[] x, float[] out, int len) {
        for (int i = 0; i < len; i++) {
            out[i] = (float) geluReference(x[i]);
        }
    }

    public static void gegluReference(float[] x, float[] out, int rows, int width) {
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < width; i++) {
                out[r * width + i] = (float) (x[r * 2 * width + i] * geluReference(x[r * 2 * width + width + i]));
            }
        }
    }

    /** 0.5 v (1 + erf(v / sqrt 2)) in double, erf from Numerical Recipes' erfc (|error| < 1.2e-7). */
    static double geluReference(double v) {
        double x = v / Math.sqrt(2.0);
        double z = Math.abs(x);
        double t = 1.0 / (1.0 + 0.5 * z);
        double erfc = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
                + t * (-0.82215223 + t * 0.17087277)))))))));
        return 0.5 * v * (x >= 0 ? 2.0 - erfc : erfc);
    }

    private static void chunks(Parallel p, int len, Parallel.RangeBody body) {
        int n = BlockedGemm.ceilDiv(len, CHUNK);
        p.forRange(0, n, (lo, hi) -> body.run(lo * CHUNK, Math.min(len, hi * CHUNK)));
    }

    private static void check(float[] x, float[] out, int len) {
        if (len < 0 || x.length < len || out.length < len) {
            throw new IllegalArgumentException("need " + len + " floats, x has " + x.length + ", out "
                    + out.length);
        }
    }
}
