// Style filters: lookup by name, determinism, the cartoon filter's locality (crop of the result == result of the
// crop away from the crop's border), the painterly filter's edge preservation and smoothing, the OpenCV wrapper.
package rerender.video.style;

import org.junit.jupiter.api.Test;
import rerender.video.FloatImage;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StyleFilterTest {
    /** Coloured discs and stripes on a ramp with noise: edges, flat areas and texture. */
    private static FloatImage scene(int w, int h, long seed) {
        Random rnd = new Random(seed);
        FloatImage img = new FloatImage(w, h, 3);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                boolean disc = (x - w / 3.0) * (x - w / 3.0) + (y - h / 2.0) * (y - h / 2.0) < (h / 4.0) * (h / 4.0);
                boolean stripe = (x / 7) % 2 == 0 && y > 2 * h / 3;
                double r = disc ? 200 : stripe ? 40 : 90 + x;
                double g = disc ? 60 : stripe ? 160 : 120 + 0.5 * y;
                double b = disc ? 50 : stripe ? 200 : 140;
                img.set(x, y, 0, (float) Math.clamp(r + 6 * rnd.nextGaussian(), 0, 255));
                img.set(x, y, 1, (float) Math.clamp(g + 6 * rnd.nextGaussian(), 0, 255));
                img.set(x, y, 2, (float) Math.clamp(b + 6 * rnd.nextGaussian(), 0, 255));
            }
        }
        return img;
    }

    private static FloatImage crop(FloatImage img, int x0, int y0, int w, int h) {
        FloatImage out = new FloatImage(w, h, img.channels);
        for (int y = 0; y < h; y++) {
            System.arraycopy(img.data, img.index(x0, y0 + y, 0), out.data, y * w * img.channels, w * img.channels);
        }
        return out;
    }

    @Test
    void lookupByName() {
        for (String name : StyleFilter.names()) {
            assertEquals(name, StyleFilter.byName(name).name());
        }
        assertThrows(IllegalArgumentException.class, () -> StyleFilter.byName("oil"));
    }

    @Test
    void filtersAreDeterministicAndKeepTheirInput() {
        FloatImage img = scene(64, 48, 1);
        FloatImage before = img.copy();
        for (String name : StyleFilter.names()) {
            FloatImage a = StyleFilter.byName(name).apply(img), b = StyleFilter.byName(name).apply(img);
            assertArrayEquals(a.data, b.data, name);
            assertEquals(img.width, a.width);
            assertEquals(img.height, a.height);
            assertEquals(3, a.channels);
            assertArrayEquals(before.data, img.data, name + " modified its input");
            double diff = 0;
            for (int i = 0; i < a.data.length; i++) {
                assertTrue(a.data[i] >= 0 && a.data[i] <= 255, name + " out of range at " + i);
                diff += Math.abs(a.data[i] - img.data[i]);
            }
            assertTrue(diff / a.data.length > 1, name + " barely changed the image");
        }
    }

    @Test
    void cartoonIsLocal() {
        FloatImage img = scene(96, 80, 2);
        CartoonFilter f = new CartoonFilter();
        int m = f.params().support();
        int x0 = 17, y0 = 13, cw = 60, ch = 52;
        FloatImage full = f.apply(img), part = f.apply(crop(img, x0, y0, cw, ch));
        int compared = 0;
        for (int y = m; y < ch - m; y++) {
            for (int x = m; x < cw - m; x++) {
                for (int c = 0; c < 3; c++) {
                    assertEquals(full.get(x0 + x, y0 + y, c), part.get(x, y, c), 1e-3, "at " + x + "," + y + "," + c);
                }
                compared++;
            }
        }
        assertTrue(compared > 100, "margin " + m + " left too few pixels to compare");
        // and right at the crop border the context is missing: the results do differ somewhere there
        boolean differs = false;
        for (int x = 0; x < cw && !differs; x++) {
            differs = Math.abs(full.get(x0 + x, y0, 0) - part.get(x, 0, 0)) > 1e-3;
        }
        assertTrue(differs, "border pixels should see the missing context");
    }

    @Test
    void painterlySmoothsFlatAreasAndKeepsEdges() {
        int w = 80, h = 40;
        Random rnd = new Random(3);
        FloatImage img = new FloatImage(w, h, 3);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                float base = x < w / 2 ? 60 : 200;             // a vertical step edge
                for (int c = 0; c < 3; c++) {
                    img.set(x, y, c, (float) Math.clamp(base + 8 * rnd.nextGaussian(), 0, 255));
                }
            }
        }
        FloatImage out = new PainterlyFilter().apply(img);
        double[] left = meanStd(out, 5, 30), right = meanStd(out, 50, 75), inLeft = meanStd(img, 5, 30);
        assertEquals(60, left[0], 6, "left side keeps its level");
        assertEquals(200, right[0], 12, "right side keeps its level");
        assertTrue(left[1] < inLeft[1] / 3, "noise should be smoothed: " + left[1] + " vs " + inLeft[1]);
        // the edge is darkened
        double edge = 0;
        for (int y = 5; y < h - 5; y++) {
            edge += out.get(w / 2, y, 0) / (h - 10);
        }
        assertTrue(edge < 0.6 * 200, "edge column " + edge);
        // a constant image stays constant
        FloatImage flat = new PainterlyFilter().apply(new FloatImage(20, 10, 3).filled(123));
        for (float v : flat.data) {
            assertEquals(123, v, 1e-3);
        }
    }

    /** Mean and std of the red channel over columns [x0, x1) and rows 5..h−5. */
    private static double[] meanStd(FloatImage img, int x0, int x1) {
        double s = 0, ss = 0;
        int n = 0;
        for (int y = 5; y < img.height - 5; y++) {
            for (int x = x0; x < x1; x++) {
                double v = img.get(x, y, 0);
                s += v;
                ss += v * v;
                n++;
            }
        }
        double mean = s / n;
        return new double[]{mean, Math.sqrt(Math.max(0, ss / n - mean * mean))};
    }

    @Test
    void cvStylizationRejectsBadSigmasAndRuns() {
        assertThrows(IllegalArgumentException.class, () -> new CvStylization(0, 0.45f));
        assertThrows(IllegalArgumentException.class, () -> new CvStylization(60, 2));
        FloatImage img = scene(40, 30, 4);
        FloatImage out = new CvStylization().apply(img);
        assertNotEquals(0, out.data[0] + out.data[1000]);
        for (float v : out.data) {
            assertEquals(Math.round(v), v, 0, "8-bit valued output");
        }
    }
}
