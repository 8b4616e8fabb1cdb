// Normalisation layers: GroupNorm (Wu & He 2018, optional fused SiLU as in SD's ResBlocks) and LayerNorm.
// Biased variance and eps inside the square root, as torch.nn.GroupNorm / LayerNorm.
package rerender.tensor.kernels;

public final class Norms {
    private Norms() {
    }

    /**
     * x [N, C, HW] -> out [N, C, HW] (out may be x for in place): per (sample, group of C/groups channels)
     * normalise, then y = gamma[c] * xhat + beta[c], then SiLU if silu.
     */
    public static void groupNorm(Parallel p, float[] x, float[] out, int n, int c, int hw, int groups, float[] gamma,
                                 float[] beta, float eps, boolean silu) {
        groupNormReference(p, x, out, n, c, hw, groups, gamma, beta, eps, silu);
    }

    /** x [rows, width] -> out [rows, width] (out may be x): normalise each row, y = gamma * xhat + beta. */
    public static void layerNorm(Parallel p, float[] x, float[] out, int rows, int width, float[] gamma, float[] beta,
                                 float eps) {
        layerNormReference(p, x, out, rows, width, gamma, beta, eps);
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
