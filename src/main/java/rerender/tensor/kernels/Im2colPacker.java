// Packs B panels of the implicit im2col matrix col[C*kh*kw, Ho*Wo] straight from an NCHW image, so a convolution
// is a GEMM without ever materialising col (which for SD's VAE decoder would be gigabytes).
package rerender.tensor.kernels;

import static rerender.tensor.kernels.BlockedGemm.NR;

import java.util.Arrays;

final class Im2colPacker implements BlockedGemm.PackB {
    private final float[] x;
    private final int xOff;
    private final int h;
    private final int w;
    private final int kh;
    private final int kw;
    private final int stride;
    private final int pad;
    private final int wo;

    /** x[xOff ..] is one image [C, H, W]; col row l = (ic, ky, kx), col column j = (oy, ox) with Wo = wo. */
    Im2colPacker(float[] x, int xOff, int h, int w, int kh, int kw, int stride, int pad, int wo) {
        this.x = x;
        this.xOff = xOff;
        this.h = h;
        this.w = w;
        this.kh = kh;
        this.kw = kw;
        this.stride = stride;
        this.pad = pad;
        this.wo = wo;
    }

    @Override
    public void pack(int k0, int kc, int j0, int nc, float[] dst) {
        int taps = kh * kw;
        int ncPad = BlockedGemm.roundUp(nc, NR);
        for (int l = 0; l < kc; l++) {
            int kk = k0 + l;
            int ic = kk / taps;
            int ky = (kk % taps) / kw;
            int kx = kk % kw;
            int chan = xOff + ic * h * w;
            // output columns with a valid input column: 0 <= ox*stride - pad + kx < w
            int oxLo = Math.max(0, ceilDiv(pad - kx, stride));
            int oxHi = Math.min(wo, Math.max(0, floorDiv(w - 1 + pad - kx, stride) + 1));
            int j = j0;
            int end = j0 + nc;
            while (j < end) {
                int oy = j / wo;
                int ox = j - oy * wo;
                int runEnd = Math.min(end, (oy + 1) * wo);
                int iy = oy * stride - pad + ky;
                int rel = j - j0;
                int ox1 = ox + (runEnd - j);
                if (iy < 0 || iy >= h || oxHi <= oxLo) {
                    zero(dst, kc, l, rel, runEnd - j);
                } else {
                    int a = Math.min(Math.max(ox, oxLo), ox1);
                    int b = Math.max(Math.min(ox1, oxHi), a);
                    zero(dst, kc, l, rel, a - ox);
                    copy(chan + iy * w + a * stride - pad + kx, dst, kc, l, rel + (a - ox), b - a);
                    zero(dst, kc, l, rel + (b - ox), ox1 - b);
                }
                j = runEnd;
            }
            zero(dst, kc, l, nc, ncPad - nc);
        }
    }

    /** Columns [rel, rel+len) of packed row l, split where they cross from one NR-sliver into the next. */
    private void copy(int src, float[] dst, int kc, int l, int rel, int len) {
        while (len > 0) {
            int s = rel / NR;
            int jj = rel - s * NR;
            int cnt = Math.min(len, NR - jj);
            int d = s * kc * NR + l * NR + jj;
            if (stride == 1) {
                System.arraycopy(x, src, dst, d, cnt);
            } else {
                for (int i = 0; i < cnt; i++) {
                    dst[d + i] = x[src + i * stride];
                }
            }
            src += cnt * stride;
            rel += cnt;
            len -= cnt;
        }
    }

    private static void zero(float[] dst, int kc, int l, int rel, int len) {
        while (len > 0) {
            int s = rel / NR;
            int jj = rel - s * NR;
            int cnt = Math.min(len, NR - jj);
            int d = s * kc * NR + l * NR + jj;
            Arrays.fill(dst, d, d + cnt, 0f);
            rel += cnt;
            len -= cnt;
        }
    }

    private static int ceilDiv(int a, int b) {
        return -Math.floorDiv(-a, b);
    }

    private static int floorDiv(int a, int b) {
        return Math.floorDiv(a, b);
    }
}
