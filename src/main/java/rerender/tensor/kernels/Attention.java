// Multi-head scaled dot-product attention for one batch item: out_h = softmax(q_h k_h^T * scale) v_h per head.
// Heads are interleaved in the feature dim ([N, heads*d], as after a Linear projection), so no transposes are needed.
package rerender.tensor.kernels;

public final class Attention {
    private Attention() {
    }

    /** q [Nq, heads*d], k [Nk, heads*d], v [Nk, heads*d] -> out [Nq, heads*d]. */
    public static void forward(Parallel p, float[] q, float[] k, float[] v, float[] out, int nq, int nk, int heads,
                               int d, float scale) {
        reference(p, q, k, v, out, nq, nk, heads, d, scale);
    }

    /** One query row at a time with a full score row, the yardstick for {@link #forward}. */
    public static void reference(Parallel p, float[] q, float[] k, float[] v, float[] out, int nq, int nk, int heads,
                                 int d, float scale) {
        int width = heads * d;
        double[] s = new double[nk];
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < nq; i++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < nk; j++) {
                    double dot = 0;
                    for (int t = 0; t < d; t++) {
                        dot += (double) q[i * width + h * d + t] * k[j * width + h * d + t];
                    }
                    s[j] = dot * scale;
                    max = Math.max(max, s[j]);
                }
                double sum = 0;
                for (int j = 0; j < nk; j++) {
                    s[j] = Math.exp(s[j] - max);
                    sum += s[j];
                }
                for (int t = 0; t < d; t++) {
                    double acc = 0;
                    for (int j = 0; j < nk; j++) {
                        acc += s[j] * v[j * width + h * d + t];
                    }
                    out[i * width + h * d + t] = (float) (acc / sum);
                }
            }
        }
    }
}
