// Normalisation layers: GroupNorm (Wu & He 2018, optional fused SiLU as in SD's ResBlocks) and LayerNorm.
// Biased variance and eps inside the square root, as torch.nn.GroupNorm / LayerNorm.
package rerender.tensor.kernels;

import static rerender.tensor.kernels.BlockedGemm.L;
import static rerender.tensor.kernels.BlockedGemm.S;

import jdk.incubator.vector.FloatVector;

public final class Norms {
    private Norms() {
    }

    /**
     * x [N, C, HW] -> out [N, C, HW] (out may be x for in place): per (sample, group of C/groups channels)
     * normalise, then y = gamma[c] * xhat + beta[c], then SiLU if silu.
     */
    public static void groupNorm(Parallel p, float[] x, float[] out, int n, int c, int hw, int groups, float[] gamma,
                                 float[] beta, float eps, boolean silu) {
        checkGroups(c, groups);
        checkLength("x", x, (long) n * c * hw);
        checkLength("out", out, (long) n * c * hw);
        checkLength("gamma", gamma, c);
        checkLength("beta", beta, c);
        int cg = c / groups;
        // one task per (sample, group): its cg*hw floats stay in L2 between the statistics and the output pass
        p.forRange(0, n * groups, (lo, hi) -> {
            for (int t = lo; t < hi; t++) {
                int b = t / groups;
                int g = t % groups;
                int base = (b * c + g * cg) * hw;
                int len = cg * hw;
                double[] mv = shiftedMoments(x, base, len);
                double mean = mv[0];
                float inv = (float) (1.0 / Math.sqrt(mv[1] + eps));
                for (int ch = 0; ch < cg; ch++) {
                    int cc = g * cg + ch;
                    affine(x, out, base + ch * hw, hw, (float) mean, gamma[cc] * inv, beta[cc], silu);
                }
            }
        });
    }

    /** x [rows, width] -> out [rows, width] (out may be x): normalise each row, y = gamma * xhat + beta. */
    public static void layerNorm(Parallel p, float[] x, float[] out, int rows, int width, float[] gamma, float[] beta,
                                 float eps) {
        checkLength("x", x, (long) rows * width);
        checkLength("out", out, (long) rows * width);
        checkLength("gamma", gamma, width);
        checkLength("beta", beta, width);
        p.forRange(0, rows, (lo, hi) -> {
            for (int r = lo; r < hi; r++) {
                int base = r * width;
                double mean = sum(x, base, width) / width;
                double var = sumSquaredDeviation(x, base, width, (float) mean) / width;
                float inv = (float) (1.0 / Math.sqrt(var + eps));
                FloatVector mv = FloatVector.broadcast(S, (float) mean);
                FloatVector iv = FloatVector.broadcast(S, inv);
                int i = 0;
                for (int end = width - width % L; i < end; i += L) {
                    FloatVector xv = FloatVector.fromArray(S, x, base + i).sub(mv).mul(iv);
                    xv.fma(FloatVector.fromArray(S, gamma, i), FloatVector.fromArray(S, beta, i))
                            .intoArray(out, base + i);
                }
                for (; i < width; i++) {
                    out[base + i] = (x[base + i] - (float) mean) * inv * gamma[i] + beta[i];
                }
            }
        });
    }

    /**
     * {mean, biased variance} of x[off .. off+len) in one pass (a group of a VAE feature map is MBs, so each pass
     * is a trip to memory): sums of d = x - K and d^2 with K = x[off], float lanes over blocks of 1024, blocks added
     * in double. Shifting by a member of the data bounds the cancellation in E[d^2] - E[d]^2 by
     * ((mean - K)^2 / var) ulps, i.e. by the squared z-score of one sample, where the textbook formula loses
     * everything on groups with a large mean and a small spread.
     */
    static double[] shiftedMoments(float[] x, int off, int len) {
        float k = x[off];
        FloatVector kv = FloatVector.broadcast(S, k);
        double s1 = 0, s2 = 0;
        for (int b0 = 0; b0 < len; b0 += 1024) {
            int b1 = Math.min(len, b0 + 1024);
            FloatVector a1 = FloatVector.zero(S), a2 = FloatVector.zero(S);
            int i = b0;
            for (int end = b1 - (b1 - b0) % L; i < end; i += L) {
                FloatVector d = FloatVector.fromArray(S, x, off + i).sub(kv);
                a1 = a1.add(d);
                a2 = d.fma(d, a2);
            }
            double t1 = laneSum(a1), t2 = laneSum(a2);
            for (; i < b1; i++) {
                double d = x[off + i] - k;
                t1 += d;
                t2 += d * d;
            }
            s1 += t1;
            s2 += t2;
        }
        double m1 = s1 / len;
        return new double[] {k + m1, Math.max(0, s2 / len - m1 * m1)};
    }

    /**
     * The lanes of v added in double, in lane order. Not reduceLanes(ADD): its order is unspecified and in practice
     * differs between the interpreter/C1 fallback and C2's intrinsic, so the same input normalised before and after
     * a method got compiled gave results a few ulps apart (a run was not reproducible).
     */
    private static double laneSum(FloatVector v) {
        double s = 0;
        for (int i = 0; i < L; i++) { // lane(i), not toArray(): no array per call (LayerNorm: 2 per row)
            s += v.lane(i);
        }
        return s;
    }

    /** Sum of x[off .. off+len): float vector lanes over blocks of 1024, blocks added in double. */
    private static double sum(float[] x, int off, int len) {
        double total = 0;
        for (int b0 = 0; b0 < len; b0 += 1024) {
            int b1 = Math.min(len, b0 + 1024);
            FloatVector acc = FloatVector.zero(S);
            int i = b0;
            for (int end = b1 - (b1 - b0) % L; i < end; i += L) {
                acc = acc.add(FloatVector.fromArray(S, x, off + i));
            }
            double s = laneSum(acc);
            for (; i < b1; i++) {
                s += x[off + i];
            }
            total += s;
        }
        return total;
    }

    /** Sum of (x - mean)^2 over x[off .. off+len), blocked like {@link #sum}. */
    private static double sumSquaredDeviation(float[] x, int off, int len, float mean) {
        double total = 0;
        FloatVector mv = FloatVector.broadcast(S, mean);
        for (int b0 = 0; b0 < len; b0 += 1024) {
            int b1 = Math.min(len, b0 + 1024);
            FloatVector acc = FloatVector.zero(S);
            int i = b0;
            for (int end = b1 - (b1 - b0) % L; i < end; i += L) {
                FloatVector dv = FloatVector.fromArray(S, x, off + i).sub(mv);
                acc = dv.fma(dv, acc);
            }
            double s = laneSum(acc);
            for (; i < b1; i++) {
                double dv = x[off + i] - mean;
                s += dv * dv;
            }
            total += s;
        }
        return total;
    }

    /**
     * out = (x - mean) * scale + shift over [off, off+len), then SiLU y * sigmoid(y) if silu. The mean is
     * subtracted first (not folded into shift) so a near-constant group does not cancel catastrophically.
     */
    private static void affine(float[] x, float[] out, int off, int len, float mean, float scale, float shift,
                               boolean silu) {
        FloatVector mv = FloatVector.broadcast(S, mean);
        FloatVector sv = FloatVector.broadcast(S, scale);
        FloatVector hv = FloatVector.broadcast(S, shift);
        FloatVector one = FloatVector.broadcast(S, 1f);
        int i = 0;
        for (int end = len - len % L; i < end; i += L) {
            FloatVector y = FloatVector.fromArray(S, x, off + i).sub(mv).fma(sv, hv);
            if (silu) {
                y = y.div(one.add(VectorMath.exp(y.neg())));
            }
            y.intoArray(out, off + i);
        }
        for (; i < len; i++) {
            float y = (x[off + i] - mean) * scale + shift;
            out[off + i] = silu ? y / (1f + (float) Math.exp(-y)) : y;
        }
    }

    private static void checkLength(String name, float[] a, long need) {
        if (a == null || a.length < need) {
            throw new IllegalArgumentException(name + " has " + (a == null ? "null" : a.length + " floats")
                    + ", need " + need);
        }
    }

    public static void groupNormReference(Parallel p, float[] x, float[] out, int n, int c, int hw, int groups,
                                          float[] gamma, float[] beta, float eps, boolean silu) {
        checkGroups(c, groups);
        int cg = c / groups;
        for (int b = 0; b < n; b++) {
            for (int g = 0; g < groups; g++) {
                int base = (b * c + g * cg) * hw;
                int len = cg * hw;
                double sum = 0;
                for (int i = 0; i < len; i++) {
                    sum += x[base + i];
                }
                double mean = sum / len;
                double var = 0;
                for (int i = 0; i < len; i++) {
                    double dv = x[base + i] - mean;
                    var += dv * dv;
                }
                var /= len;
                double inv = 1.0 / Math.sqrt(var + eps);
                for (int ch = 0; ch < cg; ch++) {
                    int cc = g * cg + ch;
                    for (int i = 0; i < hw; i++) {
                        int idx = base + ch * hw + i;
                        double y = (x[idx] - mean) * inv * gamma[cc] + beta[cc];
                        if (silu) {
                            y = y / (1 + Math.exp(-y));
                        }
                        out[idx] = (float) y;
                    }
                }
            }
        }
    }

    public static void layerNormReference(Parallel p, float[] x, float[] out, int rows, int width, float[] gamma,
                                          float[] beta, float eps) {
        for (int r = 0; r < rows; r++) {
            int base = r * width;
            double sum = 0;
            for (int i = 0; i < width; i++) {
                sum += x[base + i];
            }
            double mean = sum / width;
            double var = 0;
            for (int i = 0; i < width; i++) {
                double dv = x[base + i] - mean;
                var += dv * dv;
            }
            var /= width;
            double inv = 1.0 / Math.sqrt(var + eps);
            for (int i = 0; i < width; i++) {
                out[base + i] = (float) ((x[base + i] - mean) * inv * gamma[i] + beta[i]);
            }
        }
    }

    static void checkGroups(int c, int groups) {
        if (groups <= 0 || c % groups != 0) {
            throw new IllegalArgumentException("channels " + c + " not divisible into " + groups + " groups");
        }
    }
}
