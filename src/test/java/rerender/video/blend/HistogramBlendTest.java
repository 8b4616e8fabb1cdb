// Histogram blend: the result carries the min-error image's Lab statistics; A = B gives A back; the weights
// favour A at w1 = 0; constant channels do not produce NaN.
package rerender.video.blend;

import org.junit.jupiter.api.Test;
import rerender.video.FloatImage;
import rerender.video.color.Lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class HistogramBlendTest {
    @Test
    void resultHasMinErrorStatistics() {
        int w = 31, h = 23;
        FloatImage a = BlendImages.textured(w, h, 1), b = BlendImages.textured(w, h, 2);
        boolean[] mask = BlendImages.randomMask(w * h, 3);
        FloatImage minErrorLab = Lab.fromRgb(ErrorMask.compose(a, b, mask));
        FloatImage lab = HistogramBlend.blendLab(Lab.fromRgb(a), Lab.fromRgb(b), mask, 0.4);
        FloatImage labOfRgb = Lab.fromRgb(HistogramBlend.blend(a, b, mask, 0.4));
        for (int c = 0; c < 3; c++) {
            double[] want = HistogramBlend.stats(minErrorLab.data, c);
            double[] got = HistogramBlend.stats(lab.data, c);
            assertEquals(want[0], got[0], 1e-3, "mean of channel " + c);
            assertEquals(want[1], got[1], 1e-3, "std of channel " + c);
            // the channels are re-normalised independently, so a few mixed colours leave the RGB gamut and get clamped
            double[] viaRgb = HistogramBlend.stats(labOfRgb.data, c);
            assertEquals(want[0], viaRgb[0], 0.05 * want[1], "mean of channel " + c + " after RGB");
            assertEquals(want[1], viaRgb[1], 0.05 * want[1], "std of channel " + c + " after RGB");
        }
    }

    @Test
    void identicalInputsComeBack() {
        FloatImage a = BlendImages.textured(20, 17, 4);
        FloatImage out = HistogramBlend.blend(a, a.copy(), BlendImages.randomMask(20 * 17, 5), 0.7);
        for (int i = 0; i < a.data.length; i++) {
            assertEquals(a.data[i], out.data[i], 0.01, "at " + i);
        }
    }

    @Test
    void forwardResultDominatesAtItsKey() {
        // w1 = 0: A has weight 1 in the mix and the mask is all A, so the blend is A itself
        FloatImage a = BlendImages.textured(16, 12, 6), b = BlendImages.textured(16, 12, 7);
        FloatImage out = HistogramBlend.blend(a, b, new boolean[16 * 12], 0);
        for (int i = 0; i < a.data.length; i++) {
            assertEquals(a.data[i], out.data[i], 0.01, "at " + i);
        }
        boolean[] allB = new boolean[16 * 12];
        java.util.Arrays.fill(allB, true);
        out = HistogramBlend.blend(a, b, allB, 1);
        for (int i = 0; i < a.data.length; i++) {
            assertEquals(b.data[i], out.data[i], 0.01, "at " + i);
        }
    }

    @Test
    void greyImagesStayFinite() {
        FloatImage a = new FloatImage(8, 8, 3).filled(90), b = new FloatImage(8, 8, 3).filled(140);
        FloatImage out = HistogramBlend.blend(a, b, BlendImages.randomMask(64, 8), 0.5);
        for (float v : out.data) {
            assertFalse(Float.isNaN(v));
        }
    }
}
