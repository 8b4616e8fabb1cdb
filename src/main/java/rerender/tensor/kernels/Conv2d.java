// 2-D convolution (cross-correlation, PyTorch Conv2d semantics: zero padding, square stride, no dilation/groups).
package rerender.tensor.kernels;

public final class Conv2d {
    private Conv2d() {
    }

    /**
     * x [N, C, H, W], weight [O, C, kh, kw], bias [O] or null -> [N, O, Ho, Wo] with
     * Ho = (H + 2*pad - kh)/stride + 1, Wo = (W + 2*pad - kw)/stride + 1.
     */
    public static float[] forward(Parallel p, float[] x, int n, int c, int h, int w, float[] weight, int o, int kh,
                                  int kw, float[] bias, int stride, int pad) {
        return reference(p, x, n, c, h, w, weight, o, kh, kw, bias, stride, pad);
    }

    /** Direct seven-loop convolution, the yardstick for {@link #forward}. */
    public static float[] reference(Parallel p, float[] x, int n, int c, int h, int w, float[] weight, int o, int kh,
                                    int kw, float[] bias, int stride, int pad) {
        int ho = (h + 2 * pad - kh) / stride + 1;
        int wo = (w + 2 * pad - kw) / stride + 1;
        float[] y = new float[n * o * ho * wo]; // [N, O, Ho, Wo]
        for (int b = 0; b < n; b++) {
            for (int oc = 0; oc < o; oc++) {
                for (int oy = 0; oy < ho; oy++) {
                    for (int ox = 0; ox < wo; ox++) {
                        double s = bias == null ? 0 : bias[oc];
                        for (int ic = 0; ic < c; ic++) {
                            for (int ky = 0; ky < kh; ky++) {
                                int iy = oy * stride - pad + ky;
                                if (iy < 0 || iy >= h) {
                                    continue;
                                }
                                for (int kx = 0; kx < kw; kx++) {
                                    int ix = ox * stride - pad + kx;
                                    if (ix < 0 || ix >= w) {
                                        continue;
                                    }
                                    s += (double) x[((b * c + ic) * h + iy) * w + ix]
                                            * weight[((oc * c + ic) * kh + ky) * kw + kx];
                                }
                            }
                        }
                        y[((b * o + oc) * ho + oy) * wo + ox] = (float) s;
                    }
                }
            }
        }
        return y;
    }
}
