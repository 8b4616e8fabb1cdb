// 2-D convolution (cross-correlation, PyTorch Conv2d semantics: zero padding, square stride, no dilation/groups).
package rerender.tensor.kernels;

import java.lang.foreign.MemorySegment;

public final class Conv2d {
    private Conv2d() {
    }

    /**
     * x [N, C, H, W], weight [O, C, kh, kw], bias [O] or null -> [N, O, Ho, Wo] with
     * Ho = (H + 2*pad - kh)/stride + 1, Wo = (W + 2*pad - kw)/stride + 1.
     */
    public static float[] forward(Parallel p, float[] x, int n, int c, int h, int w, float[] weight, int o, int kh,
                                  int kw, float[] bias, int stride, int pad) {
        return forward(p, x, n, c, h, w, weight, null, o, kh, kw, bias, stride, pad, Algorithm.AUTO);
    }

    /**
     * As {@link #forward(Parallel, float[], int, int, int, int, float[], int, int, int, float[], int, int)} with the
     * weight given as IEEE fp16 bits (kept at half size); values are widened to float when packed.
     */
    public static float[] forward(Parallel p, float[] x, int n, int c, int h, int w, short[] weightHalf, int o,
                                  int kh, int kw, float[] bias, int stride, int pad) {
        return forward(p, x, n, c, h, w, null, Fp16.view(weightHalf), o, kh, kw, bias, stride, pad, Algorithm.AUTO);
    }

    /** As above with the fp16 bits in a segment (off-heap weights, see {@link Fp16}). */
    public static float[] forward(Parallel p, float[] x, int n, int c, int h, int w, MemorySegment weightHalf, int o,
                                  int kh, int kw, float[] bias, int stride, int pad) {
        return forward(p, x, n, c, h, w, null, weightHalf, o, kh, kw, bias, stride, pad, Algorithm.AUTO);
    }

    /** How a convolution is computed; AUTO picks per shape, the others force a path (tests, benchmarks). */
    enum Algorithm {
        AUTO,
        /** Implicit GEMM on the image (any geometry). */
        IMPLICIT_GEMM,
        /** Winograd F(2x2, 3x3) (3x3, stride 1, pad 1 only). */
        WINOGRAD_F2,
        /** Winograd F(4x4, 3x3) (3x3, stride 1, pad 1 only). */
        WINOGRAD_F4
    }

    /** Exactly one of weight / weightHalf is non-null. */
    static float[] forward(Parallel p, float[] x, int n, int c, int h, int w, float[] weight, MemorySegment weightHalf,
                           int o, int kh, int kw, float[] bias, int stride, int pad, Algorithm algorithm) {
        check(x, n, c, h, w, weight != null ? weight.length : Fp16.length(weightHalf), o, kh, kw, bias, stride, pad);
        int depth = c * kh * kw;
        return forward(p, x, n, c, h, w, weight != null ? ConvWeights.of(weight, o, depth)
                : ConvWeights.ofHalf(weightHalf, o, depth), kh, kw, bias, stride, pad, algorithm);
    }

    /** As above with the weight [O, C*kh*kw] in any storage of {@link ConvWeights} (O = its rows). */
    public static float[] forward(Parallel p, float[] x, int n, int c, int h, int w, ConvWeights weight, int kh, int kw,
                                  float[] bias, int stride, int pad) {
        return forward(p, x, n, c, h, w, weight, kh, kw, bias, stride, pad, Algorithm.AUTO);
    }

    static float[] forward(Parallel p, float[] x, int n, int c, int h, int w, ConvWeights weight, int kh, int kw,
                           float[] bias, int stride, int pad, Algorithm algorithm) {
        int o = weight.rows();
        check(x, n, c, h, w, (long) o * weight.depth(), o, kh, kw, bias, stride, pad);
        if (weight.depth() != c * kh * kw) {
            throw new IllegalArgumentException("conv2d: weight depth " + weight.depth() + " is not C*kh*kw = " + c + "*"
                    + kh + "*" + kw);
        }
        boolean winogradShape = kh == 3 && kw == 3 && stride == 1 && pad == 1;
        if (algorithm == Algorithm.AUTO) {
            algorithm = winogradShape ? pick(c, h, w, o) : Algorithm.IMPLICIT_GEMM;
        }
        if (algorithm != Algorithm.IMPLICIT_GEMM) {
            if (!winogradShape) {
                throw new IllegalArgumentException("Winograd needs a 3x3 kernel, stride 1, pad 1; got " + kh + "x"
                        + kw + " stride " + stride + " pad " + pad);
            }
            return Winograd3x3.forward(p, x, n, c, h, w, weight, o, bias,
                    algorithm == Algorithm.WINOGRAD_F2 ? Winograd3x3.Tile.F2 : Winograd3x3.Tile.F4);
        }
        return run(p, x, n, c, h, w, weight.packer(), o, kh, kw, bias, stride, pad);
    }

    /**
     * The fastest way measured for a 3x3 same convolution of this shape (2 threads). Winograd F(4x4, 3x3) wins from
     * 32x32 maps up (640ch@32: ~1.7x, 320ch@64: ~1.7-2x, VAE 256ch@256 ~2x) and loses below, where its 4x larger
     * transformed weights cost more than the few tiles save (1280ch@16: 0.6x, @8: 0.1x). On 16x16 maps F(2x2, 3x3)
     * with the weight transform fused into the products wins instead: 1280ch@16 0.61x the time of implicit GEMM,
     * 2560->1280@16 0.80x (in-process alternation, 8-10 runs each); at 8x8 it loses (1.13x: 16 tiles are too few
     * for the transforms to pay). Few channels make the per-point products too thin for the transforms to pay
     * (64ch@32: 0.8x; 128ch@512: 1.5x), hence at least 128 in and out.
     */
    static Algorithm pick(int c, int h, int w, int o) {
        if (c < 128 || o < 128) {
            return Algorithm.IMPLICIT_GEMM;
        }
        long hw = (long) h * w;
        if (hw >= 1024) {
            return Algorithm.WINOGRAD_F4;
        }
        return hw >= 256 ? Algorithm.WINOGRAD_F2 : Algorithm.IMPLICIT_GEMM;
    }

    private static float[] run(Parallel p, float[] x, int n, int c, int h, int w, BlockedGemm.PackA packW, int o,
                               int kh, int kw, float[] bias, int stride, int pad) {
        int ho = (h + 2 * pad - kh) / stride + 1;
        int wo = (w + 2 * pad - kw) / stride + 1;
        int hwo = ho * wo;
        int ck = c * kh * kw;
        float[] y = new float[Math.multiplyExact(Math.multiplyExact(n, o), hwo)]; // [N, O, Ho, Wo]
        for (int b = 0; b < n; b++) {
            int yOff = b * o * hwo;
            int xOff = b * c * h * w;
            // y[b] [O, Ho*Wo] (+)= W [O, C*kh*kw] . col [C*kh*kw, Ho*Wo]; col is never materialised
            BlockedGemm.PackB col = kh == 1 && kw == 1 && stride == 1 && pad == 0
                    ? BlockedGemm.rowMajorB(x, xOff, h * w)
                    : new Im2colPacker(x, xOff, h, w, kh, kw, stride, pad, wo);
            BlockedGemm.multiply(p, o, hwo, ck, packW, col, y, yOff, hwo, false, BlockedGemm.Bias.perRow(bias));
        }
        return y;
    }

    private static void check(float[] x, int n, int c, int h, int w, long weightLength, int o, int kh, int kw,
                              float[] bias, int stride, int pad) {
        if (n < 1 || c < 1 || h < 1 || w < 1 || o < 1 || kh < 1 || kw < 1 || stride < 1 || pad < 0) {
            throw new IllegalArgumentException("bad conv2d geometry: n=" + n + " c=" + c + " h=" + h + " w=" + w
                    + " o=" + o + " k=" + kh + "x" + kw + " stride=" + stride + " pad=" + pad);
        }
        if (h + 2 * pad < kh || w + 2 * pad < kw) {
            throw new IllegalArgumentException("kernel " + kh + "x" + kw + " larger than padded input " + h + "x" + w
                    + " (pad " + pad + ")");
        }
        if (x.length < (long) n * c * h * w) {
            throw new IllegalArgumentException("x has " + x.length + " floats, need [" + n + ", " + c + ", " + h
                    + ", " + w + "]");
        }
        if (weightLength != (long) o * c * kh * kw) {
            throw new IllegalArgumentException("weight has " + weightLength + " values, expected [" + o + ", " + c
                    + ", " + kh + ", " + kw + "]");
        }
        if (bias != null && bias.length != o) {
            throw new IllegalArgumentException("bias has " + bias.length + " floats, expected " + o);
        }
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
