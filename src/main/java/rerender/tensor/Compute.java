// The engine's operations on Tensors (conv, linear, norms, activations, attention, resampling), in NCHW layout.
// Heavy ops delegate to rerender.tensor.kernels; the Parallel context is owned by the caller and passed in.
// Element-wise and layout loops are split over the Parallel workers too; an optional OpStats records time and FLOPs
// per operation category (profiling, benchmark GFLOP/s).
package rerender.tensor;

import rerender.tensor.kernels.Activations;
import rerender.tensor.kernels.Attention;
import rerender.tensor.kernels.Conv2d;
import rerender.tensor.kernels.ConvWeights;
import rerender.tensor.kernels.FeedForward;
import rerender.tensor.kernels.Gemm;
import rerender.tensor.kernels.LinearWeights;
import rerender.tensor.kernels.Norms;
import rerender.tensor.kernels.Parallel;

public final class Compute {
    /** Loops shorter than this run on the calling thread (dispatch costs more than the work). */
    private static final int PARALLEL_MIN = 1 << 14;

    private final Parallel parallel;
    private final OpStats stats;

    public Compute(Parallel parallel) {
        this(parallel, OpStats.NONE);
    }

    public Compute(Parallel parallel, OpStats stats) {
        this.parallel = parallel;
        this.stats = stats;
    }

    public OpStats stats() {
        return stats;
    }

    /** Runs body over [0, n), split over the workers when n is large enough. */
    private void each(int n, Parallel.RangeBody body) {
        if (n < PARALLEL_MIN) {
            body.run(0, n);
        } else {
            parallel.forRange(0, n, body);
        }
    }

    public Parallel parallel() {
        return parallel;
    }

    // ---- linear algebra ----------------------------------------------------------------------------------------

    /** x [N, C, H, W], weight [O, C, kh, kw], bias [O] or null -> [N, O, Ho, Wo] (PyTorch Conv2d, zero padding). */
    public Tensor conv2d(Tensor x, float[] weight, int o, int kh, int kw, float[] bias, int stride, int pad) {
        int c = x.dim(1);
        if ((long) o * c * kh * kw != weight.length) {
            throw new IllegalArgumentException("conv2d: weight has " + weight.length + " values, expected [" + o
                    + ", " + c + ", " + kh + ", " + kw + "] for input " + x);
        }
        return conv2d(x, ConvWeights.of(weight, o, c * kh * kw), kh, kw, bias, stride, pad);
    }

    /** As above with the weight [O, C*kh*kw] in any storage of {@link ConvWeights} (how models keep fp16 weights). */
    public Tensor conv2d(Tensor x, ConvWeights weight, int kh, int kw, float[] bias, int stride, int pad) {
        int n = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3), o = weight.rows();
        if ((long) c * kh * kw != weight.depth()) {
            throw new IllegalArgumentException("conv2d: weight is [" + o + ", " + weight.depth() + "], expected [" + o
                    + ", " + c + "*" + kh + "*" + kw + "] for input " + x);
        }
        int ho = (h + 2 * pad - kh) / stride + 1;
        int wo = (w + 2 * pad - kw) / stride + 1;
        long t0 = stats.start();
        float[] y = Conv2d.forward(parallel, x.data(), n, c, h, w, weight, kh, kw, bias, stride, pad);
        stats.end("conv" + kh + "x" + kw + (stride == 1 ? "" : "/" + stride)
                + (stats.shapes() ? " " + c + "->" + o + " @" + h + "x" + w : ""), t0,
                2L * n * o * ho * wo * c * kh * kw);
        return Tensor.of(y, n, o, ho, wo);
    }

    /** x [..., in], weight [out, in] (PyTorch Linear layout), bias [out] or null -> [..., out]. */
    public Tensor linear(Tensor x, float[] weight, int out, float[] bias) {
        return linear(x, weight.length, out, (rows, in, y) ->
                Gemm.gemmTransB(parallel, rows, out, in, x.data(), 0, in, weight, 0, in, bias, y, 0, out, false));
    }

    /**
     * As {@link #linear(Tensor, float[], int, float[])} with the fp16 weight packed as {@link LinearWeights}. Both
     * let the product add the bias (see {@link Gemm#gemmLinear}), so y is written once and never read back.
     */
    public Tensor linear(Tensor x, LinearWeights weight, float[] bias) {
        return linear(x, (long) weight.out() * weight.in(), weight.out(), (rows, in, y) ->
                Gemm.gemmLinear(parallel, rows, x.data(), 0, in, weight, bias, y, 0, weight.out(), false));
    }

    /** A linear layer by its weight in either storage ({@link FeedForward.Weight}). */
    public Tensor linear(Tensor x, FeedForward.Weight weight, float[] bias) {
        return weight.half() != null ? linear(x, weight.half(), bias) : linear(x, weight.full(), weight.out(), bias);
    }

    /**
     * ldm's GEGLU feed-forward, x [..., C] -> GEGLU(x W1^T + b1) W2^T + b2 [..., C'] (W1 [2I, C], W2 [C', I]):
     * fused by blocks of rows where {@link FeedForward#fuses} says so (many rows: the 8C-wide hidden layer never
     * becomes a tensor), else as linear, GEGLU, linear. The same bits either way.
     */
    public Tensor gegluFeedForward(Tensor x, FeedForward.Weight w1, float[] b1, FeedForward.Weight w2, float[] b2) {
        int in = x.dim(-1);
        if (in != w1.in()) {
            throw new IllegalArgumentException("feed-forward expects width " + w1.in() + ", got " + x);
        }
        int rows = x.size() / in;
        if (!FeedForward.fuses(rows, w1, w2)) {
            return linear(geglu(linear(x, w1, b1)), w2, b2);
        }
        long t0 = stats.start();
        float[] y = new float[Math.multiplyExact(rows, w2.out())];
        FeedForward.geglu(parallel, x.data(), rows, w1, b1, w2, b2, y);
        stats.end("feed-forward (fused)" + (stats.shapes() ? " " + rows + "x" + in + "->" + w1.out() + "->"
                + w2.out() : ""), t0, 2L * rows * ((long) in * w1.out() + (long) w2.in() * w2.out()));
        int[] s = x.shape();
        s[s.length - 1] = w2.out();
        return Tensor.of(y, s);
    }

    /** The product of a linear layer: y [rows, out] = x [rows, in] . W^T + bias in the layer's weight storage. */
    private interface LinearProduct {
        void run(int rows, int in, float[] y);
    }

    /** Checks the weight size, runs the product into a new y and accounts it. */
    private Tensor linear(Tensor x, long count, int out, LinearProduct product) {
        int in = x.dim(-1);
        if ((long) out * in != count) {
            throw new IllegalArgumentException("linear: weight has " + count + " values, expected [" + out
                    + ", " + in + "] for input " + x);
        }
        int rows = x.size() / in;
        long t0 = stats.start();
        float[] y = new float[rows * out];
        product.run(rows, in, y);
        stats.end((rows <= 256 ? "linear(few rows)" : "linear") + (stats.shapes() ? " " + rows + "x" + in + "->" + out : ""),
                t0, 2L * rows * out * in);
        int[] s = x.shape();
        s[s.length - 1] = out;
        return Tensor.of(y, s);
    }

    // ---- normalisation -----------------------------------------------------------------------------------------

    /** x [N, C, ...] -> same shape; GroupNorm with affine gamma/beta [C], optionally followed by SiLU. */
    public Tensor groupNorm(Tensor x, int groups, float[] gamma, float[] beta, float eps, boolean silu) {
        long t0 = stats.start();
        return groupNorm(x, groups, gamma, beta, eps, silu, new float[x.size()], t0);
    }

    /**
     * As {@link #groupNorm} but written over x and returned (no new array): for an x that is the caller's own
     * temporary and dead afterwards (a ResBlock's second norm), which saves allocating and zeroing an array of the
     * map's size (134-268 MB for the VAE's 512x512 maps). Same values, bit for bit: each group's statistics are
     * taken before the group is overwritten.
     */
    public Tensor groupNormInPlace(Tensor x, int groups, float[] gamma, float[] beta, float eps, boolean silu) {
        return groupNorm(x, groups, gamma, beta, eps, silu, x.data(), stats.start());
    }

    /** GroupNorm of x into y (x's own array for in place), accounted from t0 (so the allocation counts too). */
    private Tensor groupNorm(Tensor x, int groups, float[] gamma, float[] beta, float eps, boolean silu, float[] y,
                             long t0) {
        int n = x.dim(0), c = x.dim(1);
        int hw = x.size() / (n * c);
        Norms.groupNorm(parallel, x.data(), y, n, c, hw, groups, gamma, beta, eps, silu);
        stats.end(silu ? "groupNorm+silu" : "groupNorm", t0, 0);
        return y == x.data() ? x : Tensor.of(y, x.shape());
    }

    /** x [..., W] -> same shape, each row normalised (biased variance), y = gamma * xhat + beta. */
    public Tensor layerNorm(Tensor x, float[] gamma, float[] beta, float eps) {
        int width = x.dim(-1);
        long t0 = stats.start();
        float[] y = new float[x.size()];
        Norms.layerNorm(parallel, x.data(), y, x.size() / width, width, gamma, beta, eps);
        stats.end("layerNorm", t0, 0);
        return Tensor.of(y, x.shape());
    }

    // ---- element-wise ------------------------------------------------------------------------------------------

    public Tensor silu(Tensor x) {
        long t0 = stats.start();
        float[] y = new float[x.size()];
        Activations.silu(parallel, x.data(), y, y.length);
        stats.end("elementwise", t0, 0);
        return Tensor.of(y, x.shape());
    }

    /** max(x, 0) in place (returns x). */
    public Tensor reluInPlace(Tensor x) {
        long t0 = stats.start();
        float[] a = x.data();
        each(a.length, (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                a[i] = Math.max(a[i], 0f);
            }
        });
        stats.end("elementwise", t0, 0);
        return x;
    }

    /** GELU with the exact erf form, 0.5 x (1 + erf(x / sqrt 2)) (torch.nn.functional.gelu default). */
    public Tensor gelu(Tensor x) {
        long t0 = stats.start();
        float[] y = new float[x.size()];
        Activations.gelu(parallel, x.data(), y, y.length);
        stats.end("elementwise", t0, 0);
        return Tensor.of(y, x.shape());
    }

    /** Quick GELU of OpenAI CLIP: x * sigmoid(1.702 x). */
    public Tensor quickGelu(Tensor x) {
        long t0 = stats.start();
        float[] a = x.data(), y = new float[a.length];
        each(a.length, (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                y[i] = (float) (a[i] / (1.0 + Math.exp(-1.702 * a[i])));
            }
        });
        stats.end("elementwise", t0, 0);
        return Tensor.of(y, x.shape());
    }

    /** GEGLU (Shazeer 2020) as in ldm: x [..., 2I] split into (h, gate) halves -> h * gelu(gate) [..., I]. */
    public Tensor geglu(Tensor x) {
        int w2 = x.dim(-1), w = w2 / 2;
        int rows = x.size() / w2;
        long t0 = stats.start();
        float[] y = new float[rows * w];
        Activations.geglu(parallel, x.data(), y, rows, w);
        stats.end("geglu", t0, 0);
        int[] s = x.shape();
        s[s.length - 1] = w;
        return Tensor.of(y, s);
    }

    /** GELU of one value, in double (the reference of the vectorised kernels). */
    public static float gelu(float v) {
        return (float) (0.5 * v * (1.0 + erf(v / Math.sqrt(2.0))));
    }

    /**
     * Error function, |error| < 1.2e-7 everywhere (Chebyshev-fitted erfc of Numerical Recipes, 2nd ed., 6.2),
     * evaluated in double: ample for float32 GELU.
     */
    public static double erf(double x) {
        double z = Math.abs(x);
        double t = 1.0 / (1.0 + 0.5 * z);
        double ans = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
                + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? 1.0 - ans : ans - 1.0;
    }

    /** a + b, same shapes. */
    public Tensor add(Tensor a, Tensor b) {
        requireSame("add", a, b);
        long t0 = stats.start();
        float[] x = a.data(), y = b.data(), r = new float[x.length];
        each(r.length, (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                r[i] = x[i] + y[i];
            }
        });
        stats.end("elementwise", t0, 0);
        return Tensor.of(r, a.shape());
    }

    /** a + s * b as a new tensor (one pass; e.g. a skip plus a scaled ControlNet residual). */
    public Tensor addScaled(Tensor a, Tensor b, float s) {
        requireSame("addScaled", a, b);
        long t0 = stats.start();
        float[] x = a.data(), y = b.data(), r = new float[x.length];
        each(r.length, (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                r[i] = x[i] + s * y[i];
            }
        });
        stats.end("elementwise", t0, 0);
        return Tensor.of(r, a.shape());
    }

    /** a += b in place (returns a); for residual sums where a is a temporary nobody else holds. */
    public Tensor addInPlace(Tensor a, Tensor b) {
        requireSame("addInPlace", a, b);
        long t0 = stats.start();
        float[] x = a.data(), y = b.data();
        each(x.length, (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                x[i] += y[i];
            }
        });
        stats.end("elementwise", t0, 0);
        return a;
    }

    /** a += s * b in place (returns a). */
    public Tensor addScaledInPlace(Tensor a, Tensor b, float s) {
        requireSame("addScaledInPlace", a, b);
        long t0 = stats.start();
        float[] x = a.data(), y = b.data();
        each(x.length, (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                x[i] += s * y[i];
            }
        });
        stats.end("elementwise", t0, 0);
        return a;
    }

    /** a * s. */
    public Tensor scale(Tensor a, float s) {
        long t0 = stats.start();
        float[] x = a.data(), r = new float[x.length];
        each(r.length, (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                r[i] = x[i] * s;
            }
        });
        stats.end("elementwise", t0, 0);
        return Tensor.of(r, a.shape());
    }

    /** x [N, C, H, W] + v [N, C] broadcast over H, W (ResBlock's time embedding). */
    public Tensor addPerChannel(Tensor x, Tensor v) {
        return addPerChannel(x, v, new float[x.size()]);
    }

    /** As {@link #addPerChannel(Tensor, Tensor)} written over x (the caller's own temporary) and returned. */
    public Tensor addPerChannelInPlace(Tensor x, Tensor v) {
        return addPerChannel(x, v, x.data());
    }

    private Tensor addPerChannel(Tensor x, Tensor v, float[] r) {
        int n = x.dim(0), c = x.dim(1), hw = x.size() / (n * c);
        v.requireShape("per-channel addend", n, c);
        long t0 = stats.start();
        float[] a = x.data(), b = v.data();
        parallel.forRange(0, n * c, (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                float add = b[i];
                for (int j = 0; j < hw; j++) {
                    r[i * hw + j] = a[i * hw + j] + add;
                }
            }
        });
        stats.end("elementwise", t0, 0);
        return Tensor.of(r, x.shape());
    }

    public Tensor clamp(Tensor x, float lo, float hi) {
        long t0 = stats.start();
        float[] a = x.data(), r = new float[a.length];
        each(a.length, (from, to) -> {
            for (int i = from; i < to; i++) {
                r[i] = Math.min(hi, Math.max(lo, a[i]));
            }
        });
        stats.end("elementwise", t0, 0);
        return Tensor.of(r, x.shape());
    }

    // ---- layout and resampling ---------------------------------------------------------------------------------

    /** [N, C, H, W] -> [N, H*W, C] (tokens for a transformer). */
    public Tensor toTokens(Tensor x) {
        int n = x.dim(0), c = x.dim(1), hw = x.dim(2) * x.dim(3);
        long t0 = stats.start();
        float[] a = x.data(), r = new float[a.length];
        for (int b = 0; b < n; b++) {
            transpose(a, b * c * hw, c, hw, r, b * hw * c);
        }
        stats.end("layout", t0, 0);
        return Tensor.of(r, n, hw, c);
    }

    /** [N, H*W, C] -> [N, C, H, W]. */
    public Tensor fromTokens(Tensor x, int h, int w) {
        int n = x.dim(0), hw = x.dim(1), c = x.dim(2);
        if (hw != h * w) {
            throw new IllegalArgumentException("fromTokens: " + x + " is not " + h + "x" + w + " tokens");
        }
        long t0 = stats.start();
        float[] a = x.data(), r = new float[a.length];
        for (int b = 0; b < n; b++) {
            transpose(a, b * hw * c, hw, c, r, b * c * hw);
        }
        stats.end("layout", t0, 0);
        return Tensor.of(r, n, c, h, w);
    }

    /** dst[j, i] = src[i, j] for a rows x cols matrix at src (row-major), in 32x32 tiles split over the workers. */
    private void transpose(float[] src, int srcOff, int rows, int cols, float[] dst, int dstOff) {
        final int tile = 32;
        int rowTiles = (rows + tile - 1) / tile;
        Parallel.RangeBody body = (lo, hi) -> {
            for (int rt = lo; rt < hi; rt++) {
                int r0 = rt * tile, r1 = Math.min(rows, r0 + tile);
                for (int c0 = 0; c0 < cols; c0 += tile) {
                    int c1 = Math.min(cols, c0 + tile);
                    for (int i = r0; i < r1; i++) {
                        int s = srcOff + i * cols;
                        for (int j = c0; j < c1; j++) {
                            dst[dstOff + j * rows + i] = src[s + j];
                        }
                    }
                }
            }
        };
        if ((long) rows * cols < PARALLEL_MIN) {
            body.run(0, rowTiles);
        } else {
            parallel.forRange(0, rowTiles, body);
        }
    }

    /** Nearest-neighbour 2x up-sampling: [N, C, H, W] -> [N, C, 2H, 2W]. */
    public Tensor upsampleNearest2x(Tensor x) {
        int n = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
        long t0 = stats.start();
        float[] a = x.data(), r = new float[a.length * 4];
        int w2 = 2 * w;
        parallel.forRange(0, n * c, (lo, hi) -> {
            for (int plane = lo; plane < hi; plane++) {
                for (int y = 0; y < 2 * h; y++) {
                    int src = (plane * h + y / 2) * w;
                    int dst = (plane * 2 * h + y) * w2;
                    for (int xx = 0; xx < w2; xx++) {
                        r[dst + xx] = a[src + xx / 2];
                    }
                }
            }
        });
        stats.end("layout", t0, 0);
        return Tensor.of(r, n, c, 2 * h, 2 * w);
    }

    /** 2x2 max pooling with stride 2 (floor mode, PyTorch max_pool2d(x, 2, 2)): [N, C, H, W] -> [N, C, H/2, W/2]. */
    public Tensor maxPool2x2(Tensor x) {
        int n = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3), ho = h / 2, wo = w / 2;
        long t0 = stats.start();
        float[] a = x.data(), r = new float[n * c * ho * wo];
        parallel.forRange(0, n * c, (lo, hi) -> {
            for (int plane = lo; plane < hi; plane++) {
                for (int y = 0; y < ho; y++) {
                    int s0 = (plane * h + 2 * y) * w, s1 = s0 + w, d = (plane * ho + y) * wo;
                    for (int xx = 0; xx < wo; xx++) {
                        r[d + xx] = Math.max(Math.max(a[s0 + 2 * xx], a[s0 + 2 * xx + 1]),
                                Math.max(a[s1 + 2 * xx], a[s1 + 2 * xx + 1]));
                    }
                }
            }
        });
        stats.end("layout", t0, 0);
        return Tensor.of(r, n, c, ho, wo);
    }

    /** Zero padding on the right and bottom by one pixel: [N, C, H, W] -> [N, C, H+1, W+1] (VAE Downsample). */
    public Tensor padRightBottom(Tensor x) {
        int n = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
        float[] a = x.data(), r = new float[n * c * (h + 1) * (w + 1)];
        for (int plane = 0; plane < n * c; plane++) {
            for (int y = 0; y < h; y++) {
                System.arraycopy(a, (plane * h + y) * w, r, (plane * (h + 1) + y) * (w + 1), w);
            }
        }
        return Tensor.of(r, n, c, h + 1, w + 1);
    }

    /** Concatenation along channels: [N, Ca, H, W] + [N, Cb, H, W] -> [N, Ca+Cb, H, W]. */
    public Tensor catChannels(Tensor a, Tensor b) {
        int n = a.dim(0), ca = a.dim(1), cb = b.dim(1);
        int hw = a.size() / (n * ca);
        if (b.dim(0) != n || b.size() / (n * cb) != hw || a.rank() != b.rank()) {
            throw new IllegalArgumentException("catChannels: incompatible " + a + " and " + b);
        }
        float[] r = new float[a.size() + b.size()];
        for (int i = 0; i < n; i++) {
            System.arraycopy(a.data(), i * ca * hw, r, i * (ca + cb) * hw, ca * hw);
            System.arraycopy(b.data(), i * cb * hw, r, (i * (ca + cb) + ca) * hw, cb * hw);
        }
        int[] s = a.shape();
        s[1] = ca + cb;
        return Tensor.of(r, s);
    }

    // ---- attention ---------------------------------------------------------------------------------------------

    /**
     * Multi-head attention, heads interleaved in the feature dim: q [B, Nq, H*D], k and v [B, Nk, H*D]
     * -> [B, Nq, H*D]; softmax(q k^T * scale) v per batch item and head.
     */
    public Tensor attention(Tensor q, Tensor k, Tensor v, int heads, float scale) {
        int b = q.dim(0), nq = q.dim(1), width = q.dim(2), nk = k.dim(1);
        if (k.dim(0) != b || v.dim(0) != b || k.dim(2) != width || !k.sameShape(v) || width % heads != 0) {
            throw new IllegalArgumentException("attention: q " + q + ", k " + k + ", v " + v + ", heads " + heads);
        }
        int d = width / heads;
        long t0 = stats.start();
        float[] out = new float[b * nq * width];
        for (int i = 0; i < b; i++) {
            float[] qi = slice(q.data(), i * nq * width, nq * width);
            float[] ki = slice(k.data(), i * nk * width, nk * width);
            float[] vi = slice(v.data(), i * nk * width, nk * width);
            float[] oi = b == 1 ? out : new float[nq * width];
            Attention.forward(parallel, qi, ki, vi, oi, nq, nk, heads, d, scale);
            if (oi != out) {
                System.arraycopy(oi, 0, out, i * nq * width, nq * width);
            }
        }
        stats.end((nk == nq ? "attention" : "attention(cross)") + (stats.shapes() ? " " + nq + "x" + nk + " " + heads
                + "x" + d : ""), t0, 4L * b * heads * nq * nk * d);
        return Tensor.of(out, b, nq, width);
    }

    /**
     * Causal multi-head attention (token i sees tokens 0..i), the text encoder's self-attention:
     * q, k, v [B, N, H*D] -> [B, N, H*D]. Scores in double; sequences here are short (77).
     */
    public Tensor causalAttention(Tensor q, Tensor k, Tensor v, int heads, float scale) {
        int b = q.dim(0), n = q.dim(1), width = q.dim(2), d = width / heads;
        float[] qa = q.data(), ka = k.data(), va = v.data(), out = new float[qa.length];
        parallel.forRange(0, b * heads, (lo, hi) -> {
            double[] s = new double[n];
            for (int bh = lo; bh < hi; bh++) {
                int bi = bh / heads, h = bh % heads, base = bi * n * width + h * d;
                for (int i = 0; i < n; i++) {
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j <= i; j++) {
                        double dot = 0;
                        for (int t = 0; t < d; t++) {
                            dot += (double) qa[base + i * width + t] * ka[base + j * width + t];
                        }
                        s[j] = dot * scale;
                        max = Math.max(max, s[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j <= i; j++) {
                        s[j] = Math.exp(s[j] - max);
                        sum += s[j];
                    }
                    for (int t = 0; t < d; t++) {
                        double acc = 0;
                        for (int j = 0; j <= i; j++) {
                            acc += s[j] * va[base + j * width + t];
                        }
                        out[base + i * width + t] = (float) (acc / sum);
                    }
                }
            }
        });
        return Tensor.of(out, q.shape());
    }

    private static float[] slice(float[] a, int off, int len) {
        if (off == 0 && len == a.length) {
            return a;
        }
        float[] r = new float[len];
        System.arraycopy(a, off, r, 0, len);
        return r;
    }

    // ---- embeddings --------------------------------------------------------------------------------------------

    /**
     * Sinusoidal timestep embedding of ldm's timestep_embedding (max_period 10000, cos half first, then sin):
     * t [B] -> [B, dim]. Computed in float32 step by step like the PyTorch original so that large t
     * (951) round identically.
     */
    public static Tensor timestepEmbedding(int[] timesteps, int dim) {
        int half = dim / 2;
        float logPeriod = (float) -Math.log(10000.0);
        float[] freqs = new float[half];
        for (int i = 0; i < half; i++) {
            float e = logPeriod * (float) i; // -log(max_period) * arange(half), float32
            e = e / (float) half;
            freqs[i] = (float) Math.exp(e);
        }
        float[] r = new float[timesteps.length * dim];
        for (int b = 0; b < timesteps.length; b++) {
            for (int i = 0; i < half; i++) {
                float arg = (float) timesteps[b] * freqs[i];
                r[b * dim + i] = (float) Math.cos(arg);
                r[b * dim + half + i] = (float) Math.sin(arg);
            }
        }
        return Tensor.of(r, timesteps.length, dim);
    }

    private static void requireSame(String op, Tensor a, Tensor b) {
        if (!a.sameShape(b)) {
            throw new IllegalArgumentException(op + ": shapes differ, " + a + " vs " + b);
        }
    }
}
