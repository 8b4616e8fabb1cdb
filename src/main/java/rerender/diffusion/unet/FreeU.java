// FreeU (Si et al. 2023) as Rerender applies it in the UNet decoder: backbone features re-weighted by their
// normalised channel mean, skip features with their lowest frequencies scaled.
package rerender.diffusion.unet;

import rerender.tensor.Tensor;

/**
 * Factors b1, b2 (backbone) and s1, s2 (skip); all 1 is off. At the entry of every decoder block whose hidden state
 * h has the deepest width C_HI (1280 in SD 1.5), h's first C_HI/2 channels are multiplied by 1 + (b1 - 1) m, m the
 * channel-mean map of h min-max normalised per sample, and the skip tensor is {@link #fourierFilter filtered} with
 * s1; where h has C_HI/2 channels, the same with b2 / s2 on its first C_HI/4 channels (SPEC §3). The skip is
 * filtered before ControlNet's residual is added to it, as in the reference.
 */
public record FreeU(double b1, double b2, double s1, double s2) {
    /** FreeU off: the UNet runs its plain forward. */
    public static final FreeU OFF = new FreeU(1, 1, 1, 1);

    public FreeU {
        for (double v : new double[] {b1, b2, s1, s2}) {
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException("FreeU factors must be finite numbers, got " + b1 + ", " + b2
                        + ", " + s1 + ", " + s2);
            }
        }
    }

    /** Parses "b1,b2,s1,s2" (the order of Rerender's freeu_args). */
    public static FreeU parse(String s) {
        String[] p = s.split(",");
        if (p.length != 4) {
            throw new IllegalArgumentException("FreeU needs four numbers b1,b2,s1,s2, got '" + s + "'");
        }
        try {
            return new FreeU(Double.parseDouble(p[0].trim()), Double.parseDouble(p[1].trim()),
                    Double.parseDouble(p[2].trim()), Double.parseDouble(p[3].trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("FreeU needs four numbers b1,b2,s1,s2, got '" + s + "'");
        }
    }

    /** Whether every factor is 1 (the reference still runs an FFT round trip then, an identity up to rounding). */
    public boolean isOff() {
        return b1 == 1 && b2 == 1 && s1 == 1 && s2 == 1;
    }

    /**
     * h [B, C, H, W] with its first {@code channels} channels multiplied by 1 + (b - 1) m, m = mean over all C
     * channels, min-max normalised over (H, W) per sample. A constant mean map (max = min, where the reference
     * divides 0 by 0 and returns NaN) counts as m = 0. Returns a new tensor.
     */
    public static Tensor scaleBackbone(Tensor h, int channels, double b) {
        int n = h.dim(0), c = h.dim(1), hw = h.dim(2) * h.dim(3);
        float[] x = h.data();
        float[] y = x.clone();
        for (int s = 0; s < n; s++) {
            double[] mean = new double[hw];
            for (int ch = 0; ch < c; ch++) {
                int off = (s * c + ch) * hw;
                for (int i = 0; i < hw; i++) {
                    mean[i] += x[off + i];
                }
            }
            float[] m = new float[hw]; // float like the reference's mean
            float lo = Float.POSITIVE_INFINITY, hi = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < hw; i++) {
                m[i] = (float) (mean[i] / c);
                lo = Math.min(lo, m[i]);
                hi = Math.max(hi, m[i]);
            }
            float range = hi - lo;
            for (int ch = 0; ch < channels; ch++) {
                int off = (s * c + ch) * hw;
                for (int i = 0; i < hw; i++) {
                    float norm = range > 0 ? (m[i] - lo) / range : 0f;
                    y[off + i] = x[off + i] * (float) ((b - 1) * norm + 1);
                }
            }
        }
        return Tensor.of(y, h.shape());
    }

    /**
     * Rerender's Fourier_filter(x, threshold 1, scale) on x [B, C, H, W]: of each plane's centred 2-D DFT, the
     * square [H/2-1, H/2+1) x [W/2-1, W/2+1) (frequencies -1 and 0 per axis) is multiplied by scale, then the real
     * part of the inverse transform is kept. Only those four coefficients change, so the result is x plus
     * (scale - 1) times the real part of their inverse transform, computed directly in double (no FFT).
     */
    public static Tensor fourierFilter(Tensor x, double scale) {
        int n = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
        float[] in = x.data();
        float[] out = in.clone();
        if (scale == 1) {
            return Tensor.of(out, x.shape());
        }
        int[] ky = lowFrequencies(h), kx = lowFrequencies(w);
        int hw = h * w, freqs = ky.length * kx.length;
        // cos / sin of theta(n) = 2 pi (ky y / H + kx x / W) for each of the (at most 4) frequencies, once for all planes
        double[] cos = new double[freqs * hw], sin = new double[freqs * hw];
        for (int a = 0; a < ky.length; a++) {
            for (int b = 0; b < kx.length; b++) {
                int base = (a * kx.length + b) * hw;
                for (int yy = 0; yy < h; yy++) {
                    for (int xx = 0; xx < w; xx++) {
                        double t = 2 * Math.PI * ((double) ky[a] * yy / h + (double) kx[b] * xx / w);
                        cos[base + yy * w + xx] = Math.cos(t);
                        sin[base + yy * w + xx] = Math.sin(t);
                    }
                }
            }
        }
        double f = (scale - 1) / hw;
        for (int plane = 0; plane < n * c; plane++) {
            int off = plane * hw;
            for (int q = 0; q < freqs; q++) {
                int base = q * hw;
                double re = 0, im = 0; // X(k) = sum x[n] e^{-i theta(n)}
                for (int i = 0; i < hw; i++) {
                    re += in[off + i] * cos[base + i];
                    im -= in[off + i] * sin[base + i];
                }
                for (int i = 0; i < hw; i++) { // + (scale - 1) Re(X(k) e^{+i theta(n)}) / (H W)
                    out[off + i] += (float) (f * (re * cos[base + i] - im * sin[base + i]));
                }
            }
        }
        return Tensor.of(out, x.shape());
    }

    /** Frequencies of the shifted indices [n/2 - 1, n/2 + 1) with Python slice clipping (n = 1: only 0). */
    static int[] lowFrequencies(int n) {
        int start = n / 2 - 1, stop = Math.min(n / 2 + 1, n);
        if (start < 0) {
            start = Math.max(0, start + n);
        }
        int[] k = new int[Math.max(0, stop - start)];
        for (int i = 0; i < k.length; i++) {
            k[i] = start + i - n / 2; // fftshift: shifted index j holds frequency j - n/2
        }
        return k;
    }
}
