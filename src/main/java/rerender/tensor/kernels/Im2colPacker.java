// Packs B panels of the implicit im2col matrix col[C*kh*kw, Ho*Wo] straight from an NCHW image, so a convolution
// is a GEMM without ever materialising col (which for SD's VAE decoder would be gigabytes).
package rerender.tensor.kernels;

import static rerender.tensor.kernels.BlockedGemm.NR;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;

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
        if (stride == 1 && wo == w && 2 * pad == kw - 1) {
            packSame(k0, kc, j0, nc, dst);
        } else {
            packGeneral(k0, kc, j0, nc, dst);
        }
    }

    /**
     * Stride 1 with "same" width (Wo = W): col row (ic, ky, kx) is the channel image shifted by
     * (ky-pad)*W + (kx-pad) in flat index, so a sliver is one contiguous vector copy; afterwards the output rows
     * whose input row is outside the image and the border columns that wrapped around are zeroed.
     */
    private void packSame(int k0, int kc, int j0, int nc, float[] dst) {
        int taps = kh * kw;
        int hw = h * w;
        int ho = (h + 2 * pad - kh) + 1;
        int ncPad = BlockedGemm.roundUp(nc, NR);
        for (int l = 0; l < kc; l++) {
            int kk = k0 + l;
            int ic = kk / taps;
            int ky = (kk % taps) / kw;
            int kx = kk % kw;
            int chan = xOff + ic * hw;
            int shift = (ky - pad) * w + (kx - pad);
            for (int s = 0; s < nc; s += NR) {
                int src = j0 + s + shift;
                int d = s * kc + l * NR;
                int cnt = Math.min(NR, nc - s);
                if (cnt == NR && src >= 0 && src + NR <= hw) {
                    for (int v = 0; v < NR; v += BlockedGemm.L) {
                        FloatVector.fromArray(BlockedGemm.S, x, chan + src + v).intoArray(dst, d + v);
                    }
                } else {
                    for (int i = 0; i < cnt; i++) {
                        int si = src + i;
                        dst[d + i] = si >= 0 && si < hw ? x[chan + si] : 0f;
                    }
                    for (int i = cnt; i < NR; i++) {
                        dst[d + i] = 0f;
                    }
                }
            }
            // output rows oy with input row oy + ky - pad outside [0, h)
            int badTop = Math.max(0, pad - ky); // rows [0, badTop)
            int badBottom = Math.min(ho, h - (ky - pad)); // rows [badBottom, ho)
            zeroRows(dst, kc, l, j0, nc, 0, badTop);
            zeroRows(dst, kc, l, j0, nc, badBottom, ho);
            // border columns whose input column ox + kx - pad left [0, w): they read the neighbouring row
            int badLeft = Math.max(0, pad - kx); // ox in [0, badLeft)
            int badRight = Math.min(wo, w - (kx - pad)); // ox in [badRight, wo)
            if (badLeft > 0 || badRight < wo) {
                for (int row = j0 / wo; row * wo < j0 + nc; row++) {
                    zeroColumns(dst, kc, l, j0, nc, row * wo, 0, badLeft);
                    zeroColumns(dst, kc, l, j0, nc, row * wo, badRight, wo);
                }
            }
            zero(dst, kc, l, nc, ncPad - nc);
        }
    }

    private void zeroRows(float[] dst, int kc, int l, int j0, int nc, int row0, int row1) {
        zeroColumns(dst, kc, l, j0, nc, 0, row0 * wo, row1 * wo);
    }

    /** Zeroes panel columns for flat output indices [rowStart + a, rowStart + b) clipped to [j0, j0 + nc). */
    private static void zeroColumns(float[] dst, int kc, int l, int j0, int nc, int rowStart, int a, int b) {
        int from = Math.max(j0, rowStart + a);
        int to = Math.min(j0 + nc, rowStart + b);
        if (to > from) {
            zero(dst, kc, l, from - j0, to - from);
        }
    }

    /** Any geometry: walks each packed row in runs of one output row, zero / copy / zero. */
    private void packGeneral(int k0, int kc, int j0, int nc, float[] dst) {
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
