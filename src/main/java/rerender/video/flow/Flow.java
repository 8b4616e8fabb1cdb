// A dense 2-D displacement field in pixels on a target grid, [H, W, 2] interleaved, channel 0 = x, 1 = y.
//
// Meaning (the convention of GMFlow and of the reference's flow_warp): pixel p of the target grid samples the
// source image at p + flow(p). "flow(a -> b)" is the field on a's grid that points, for each pixel of frame a, to
// where that content is in frame b; so Warp.bilinear(image_b, flow(a -> b)) is frame b brought onto a's grid,
// and Warp.bilinear(image_a, flow(b -> a)) is frame a brought onto b's grid (the reference's "bwd_flow" use).
package rerender.video.flow;

public final class Flow {
    public final int width;
    public final int height;
    /** [H, W, 2]: data[(y*W + x)*2] = dx, data[(y*W + x)*2 + 1] = dy. */
    public final float[] data;

    public Flow(int width, int height, float[] data) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("bad flow size " + width + "x" + height);
        }
        if (data.length != Math.multiplyExact(Math.multiplyExact(width, height), 2)) {
            throw new IllegalArgumentException("flow data length " + data.length + " != " + width + "x" + height + "x2");
        }
        this.width = width;
        this.height = height;
        this.data = data;
    }

    public static Flow zeros(int width, int height) {
        return new Flow(width, height, new float[Math.multiplyExact(width * height, 2)]);
    }

    /** A uniform translation: every target pixel samples the source dx, dy pixels away. */
    public static Flow constant(int width, int height, float dx, float dy) {
        Flow f = zeros(width, height);
        for (int i = 0; i < f.data.length; i += 2) {
            f.data[i] = dx;
            f.data[i + 1] = dy;
        }
        return f;
    }

    /** From planar [2, H, W] (PyTorch's layout for one flow) to interleaved [H, W, 2]. */
    public static Flow fromPlanar(int width, int height, float[] planar) {
        int n = width * height;
        if (planar.length != 2 * n) {
            throw new IllegalArgumentException("planar flow length " + planar.length + " != 2x" + height + "x" + width);
        }
        float[] d = new float[2 * n];
        for (int i = 0; i < n; i++) {
            d[2 * i] = planar[i];
            d[2 * i + 1] = planar[n + i];
        }
        return new Flow(width, height, d);
    }

    public float dx(int x, int y) {
        return data[(y * width + x) * 2];
    }

    public float dy(int x, int y) {
        return data[(y * width + x) * 2 + 1];
    }

    public boolean sameSize(Flow o) {
        return width == o.width && height == o.height;
    }

    /**
     * The flow on a grid {@code factor} times coarser (e.g. the latent grid of SD, factor 8), as the reference does
     * it: F.interpolate(flow / factor, scale_factor = 1/factor, mode = "bilinear", align_corners = False), no
     * antialiasing. [H, W, 2] -> [floor(H/factor), floor(W/factor), 2], displacements divided by factor.
     */
    public Flow downsampled(int factor) {
        if (factor <= 0) {
            throw new IllegalArgumentException("factor must be > 0, got " + factor);
        }
        int ow = width / factor, oh = height / factor;
        if (ow == 0 || oh == 0) {
            throw new IllegalArgumentException("flow " + width + "x" + height + " is smaller than factor " + factor);
        }
        float[] scaled = new float[data.length];
        for (int i = 0; i < data.length; i++) {
            scaled[i] = data[i] / factor;
        }
        float[] out = new float[ow * oh * 2];
        for (int oy = 0; oy < oh; oy++) {
            // PyTorch: src = max(scale * (dst + 0.5) - 0.5, 0) with scale = 1 / scale_factor = factor
            float sy = Math.max((float) factor * (oy + 0.5f) - 0.5f, 0f);
            int y0 = (int) sy;
            int y1 = y0 + (y0 < height - 1 ? 1 : 0);
            float ly1 = sy - y0, ly0 = 1f - ly1;
            for (int ox = 0; ox < ow; ox++) {
                float sx = Math.max((float) factor * (ox + 0.5f) - 0.5f, 0f);
                int x0 = (int) sx;
                int x1 = x0 + (x0 < width - 1 ? 1 : 0);
                float lx1 = sx - x0, lx0 = 1f - lx1;
                for (int c = 0; c < 2; c++) {
                    float v = ly0 * (lx0 * scaled[(y0 * width + x0) * 2 + c] + lx1 * scaled[(y0 * width + x1) * 2 + c])
                            + ly1 * (lx0 * scaled[(y1 * width + x0) * 2 + c] + lx1 * scaled[(y1 * width + x1) * 2 + c]);
                    out[(oy * ow + ox) * 2 + c] = v;
                }
            }
        }
        return new Flow(ow, oh, out);
    }
}
