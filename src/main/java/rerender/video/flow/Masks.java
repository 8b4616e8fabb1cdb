// Operations on [H, W, 1] masks (1 = occluded / masked) used around flow: max pooling and the latent-grid mask.
package rerender.video.flow;

import rerender.video.FloatImage;

public final class Masks {
    private Masks() {
    }

    /**
     * F.max_pool2d(mask, kernel, stride, padding): padding counts as -infinity (never wins).
     * [H, W, 1] -> [floor((H + 2p - k)/s) + 1, floor((W + 2p - k)/s) + 1, 1]
     */
    public static FloatImage maxPool(FloatImage mask, int kernel, int stride, int padding) {
        if (mask.channels != 1) {
            throw new IllegalArgumentException("maxPool expects a 1-channel mask, got " + mask.channels + " channels");
        }
        if (kernel <= 0 || stride <= 0 || padding < 0 || 2 * padding > kernel) {
            throw new IllegalArgumentException("bad pooling kernel " + kernel + " stride " + stride + " padding " + padding);
        }
        int ow = (mask.width + 2 * padding - kernel) / stride + 1;
        int oh = (mask.height + 2 * padding - kernel) / stride + 1;
        if (ow <= 0 || oh <= 0) {
            throw new IllegalArgumentException("mask " + mask.width + "x" + mask.height + " is smaller than kernel " + kernel);
        }
        FloatImage out = new FloatImage(ow, oh, 1);
        for (int oy = 0; oy < oh; oy++) {
            int y0 = Math.max(0, oy * stride - padding), y1 = Math.min(mask.height, oy * stride - padding + kernel);
            for (int ox = 0; ox < ow; ox++) {
                int x0 = Math.max(0, ox * stride - padding), x1 = Math.min(mask.width, ox * stride - padding + kernel);
                float m = Float.NEGATIVE_INFINITY;
                for (int y = y0; y < y1; y++) {
                    for (int x = x0; x < x1; x++) {
                        m = Math.max(m, mask.data[y * mask.width + x]);
                    }
                }
                out.data[oy * ow + ox] = m;
            }
        }
        return out;
    }

    /** The reference's latent validity mask 1 - max_pool2d(occ, factor): a latent cell is valid only if no pixel of it is occluded. */
    public static FloatImage latentValid(FloatImage occlusion, int factor) {
        FloatImage pooled = maxPool(occlusion, factor, factor, 0);
        for (int i = 0; i < pooled.data.length; i++) {
            pooled.data[i] = 1f - pooled.data[i];
        }
        return pooled;
    }
}
