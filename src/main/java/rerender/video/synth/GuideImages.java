// Guide images of video propagation that need no optical flow: the Laplacian edge guide and the positional
// coordinate image (Jamriška et al. 2019, as used by Rerender; the flow-warped guides are built by the pipeline).
package rerender.video.synth;

import rerender.video.FloatImage;

public final class GuideImages {
    private GuideImages() {
    }

    /**
     * Edge guide: every channel filtered with the 3x3 Laplacian [[0,−1,0],[−1,4,−1],[0,−1,0]], borders reflected
     * without repeating the edge pixel (OpenCV's default), the response clamped to 0..255 as OpenCV's 8-bit
     * filter2D does (negative responses become 0). [H, W, C] -> [H, W, C].
     */
    public static FloatImage laplacianEdges(FloatImage img) {
        int w = img.width, h = img.height, c = img.channels;
        FloatImage out = new FloatImage(w, h, c);
        for (int y = 0; y < h; y++) {
            int yu = reflect101(y - 1, h), yd = reflect101(y + 1, h);
            for (int x = 0; x < w; x++) {
                int xl = reflect101(x - 1, w), xr = reflect101(x + 1, w);
                for (int k = 0; k < c; k++) {
                    float v = 4 * img.get(x, y, k) - img.get(x, yu, k) - img.get(x, yd, k) - img.get(xl, y, k)
                            - img.get(xr, y, k);
                    out.set(x, y, k, Math.clamp(v, 0f, 255f));
                }
            }
        }
        return out;
    }

    private static int reflect101(int i, int n) {
        if (n == 1) {
            return 0;
        }
        if (i < 0) {
            return -i;
        }
        return i >= n ? 2 * n - 2 - i : i;
    }

    /** Positional guide of the key frame: red = row / H · 255, green = column / W · 255, blue = 0. [H, W, 3]. */
    public static FloatImage positional(int width, int height) {
        FloatImage out = new FloatImage(width, height, 3);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                out.set(x, y, 0, y * 255f / height);
                out.set(x, y, 1, x * 255f / width);
            }
        }
        return out;
    }
}
