// Backward warping: out(p) = src(p + flow(p)), bilinear or nearest, zero outside the source (the reference's
// flow_warp = F.grid_sample(..., padding_mode="zeros", align_corners=True) on a grid normalised from pixel coordinates).
package rerender.video.flow;

import rerender.video.FloatImage;

/**
 * The sampling position is computed the way the reference computes it in float32 — normalise
 * g = 2·(x + dx)/(W − 1) − 1, then grid_sample un-normalises (g + 1)·((W − 1)/2) — so that nearest sampling rounds
 * exact half-pixel positions the same way (half to even after that float32 round trip), not only "p + flow(p)".
 * Bilinear weights and the zero padding follow grid_sample's CPU kernel: each of the four neighbours contributes
 * only if it lies inside the image.
 */
public final class Warp {
    private Warp() {
    }

    /** [H, W, C] src sampled bilinearly at p + flow(p) -> [H, W, C] on the flow's grid. */
    public static FloatImage bilinear(FloatImage src, Flow flow) {
        check(src.width, src.height, flow);
        return new FloatImage(flow.width, flow.height, src.channels,
                sample(src.data, src.channels, flow, false));
    }

    /** [H, W, C] src sampled at the nearest pixel to p + flow(p) -> [H, W, C] on the flow's grid. */
    public static FloatImage nearest(FloatImage src, Flow flow) {
        check(src.width, src.height, flow);
        return new FloatImage(flow.width, flow.height, src.channels,
                sample(src.data, src.channels, flow, true));
    }

    /** A flow field warped like an image (its vectors are not changed, only moved): used by the consistency check. */
    public static Flow bilinear(Flow src, Flow flow) {
        check(src.width, src.height, flow);
        return new Flow(flow.width, flow.height, sample(src.data, 2, flow, false));
    }

    private static void check(int w, int h, Flow flow) {
        if (w != flow.width || h != flow.height) {
            throw new IllegalArgumentException("image " + w + "x" + h + " and flow " + flow.width + "x" + flow.height
                    + " differ in size");
        }
    }

    /** Source position along one axis, as grid_sample sees it: float32 normalise, then un-normalise. */
    static float sourceCoordinate(int p, float d, int size) {
        float c = p + d;
        if (size == 1) {
            return c;
        }
        float g = 2f * c / (size - 1) - 1f;
        return (g + 1f) * ((size - 1) / 2f);
    }

    static float[] sample(float[] src, int ch, Flow flow, boolean nearest) {
        int w = flow.width, h = flow.height;
        float[] out = new float[w * h * ch];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int o = (y * w + x);
                float sx = sourceCoordinate(x, flow.data[2 * o], w);
                float sy = sourceCoordinate(y, flow.data[2 * o + 1], h);
                if (nearest) {
                    sampleNearest(src, ch, w, h, sx, sy, out, o * ch);
                } else {
                    sampleBilinear(src, ch, w, h, sx, sy, out, o * ch);
                }
            }
        }
        return out;
    }

    private static void sampleNearest(float[] src, int ch, int w, int h, float sx, float sy, float[] out, int o) {
        float rx = (float) Math.rint(sx), ry = (float) Math.rint(sy); // half to even, like std::nearbyint
        if (rx >= 0 && rx <= w - 1 && ry >= 0 && ry <= h - 1) {
            int i = ((int) ry * w + (int) rx) * ch;
            System.arraycopy(src, i, out, o, ch);
        }
    }

    private static void sampleBilinear(float[] src, int ch, int w, int h, float sx, float sy, float[] out, int o) {
        if (!(sx > -1 && sx < w && sy > -1 && sy < h)) {
            return; // no neighbour inside (also NaN)
        }
        float xw = (float) Math.floor(sx), yn = (float) Math.floor(sy);
        int x0 = (int) xw, y0 = (int) yn, x1 = x0 + 1, y1 = y0 + 1;
        float we = sx - xw, ea = x1 - sx, no = sy - yn, so = y1 - sy;
        float nw = so * ea, ne = so * we, sw = no * ea, se = no * we;
        boolean inW = x0 >= 0, inE = x1 <= w - 1, inN = y0 >= 0, inS = y1 <= h - 1;
        for (int c = 0; c < ch; c++) {
            float v = 0;
            if (inN && inW) {
                v += src[(y0 * w + x0) * ch + c] * nw;
            }
            if (inN && inE) {
                v += src[(y0 * w + x1) * ch + c] * ne;
            }
            if (inS && inW) {
                v += src[(y1 * w + x0) * ch + c] * sw;
            }
            if (inS && inE) {
                v += src[(y1 * w + x1) * ch + c] * se;
            }
            out[o + c] = v;
        }
    }
}
