// Checks the fast packed/vectorised patch distance against the plain reference on random data of awkward sizes.
package rerender.video.synth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import rerender.video.FloatImage;

class PatchDistanceTest {

    private static FloatImage random(int w, int h, int c, Random rnd) {
        FloatImage img = new FloatImage(w, h, c);
        for (int i = 0; i < img.data.length; i++) {
            img.data[i] = 255 * rnd.nextFloat();
        }
        return img;
    }

    private static void check(int sw, int sh, int tw, int th, int cs, int[] guideChannels, int patch, long seed) {
        Random rnd = new Random(seed);
        int ng = guideChannels.length;
        FloatImage style = random(sw, sh, cs, rnd), estimate = random(tw, th, cs, rnd);
        FloatImage[] sg = new FloatImage[ng], tg = new FloatImage[ng];
        float[][] gw = new float[ng][];
        for (int g = 0; g < ng; g++) {
            sg[g] = random(sw, sh, guideChannels[g], rnd);
            tg[g] = random(tw, th, guideChannels[g], rnd);
            gw[g] = PatchSynthesis.guideWeights(0.1f + 5 * rnd.nextFloat(), guideChannels[g]);
        }
        float[] sw8 = PatchSynthesis.styleWeights(0.1f + 2 * rnd.nextFloat(), cs);
        PatchDistance fast = new PatchDistance(style, sg, tg, tw, th, sw8, gw, patch);
        fast.setTargetStyle(estimate.data);
        for (int ty = 0; ty < th; ty++) {
            for (int tx = 0; tx < tw; tx++) {
                int sx = rnd.nextInt(sw), sy = rnd.nextInt(sh);
                double ref = PatchDistanceReference.distance(estimate, style, tg, sg, sw8, gw, patch, tx, ty, sx, sy);
                float got = fast.distance(tx, ty, sx, sy, Float.POSITIVE_INFINITY);
                assertEquals(ref, got, 1e-5 * ref + 1e-3,
                        "distance at target (" + tx + "," + ty + ") source (" + sx + "," + sy + ")");
                float lb = fast.lowerBound(tx, ty, sx, sy);
                assertTrue(lb >= 0 && lb <= ref * (1 + 1e-5) + 1e-3, "lower bound " + lb + " above distance " + ref);
                // early termination: a bound below the true value returns something above the bound
                float bound = (float) (ref * 0.3);
                assertTrue(fast.distance(tx, ty, sx, sy, bound) > bound, "early exit must exceed the bound");
            }
        }
    }

    @Test
    void lowerBoundIsTightForAConstantOffset() {
        // patch differences that are the same at every pixel make Σd² = (Σd)²/n: the bound equals the distance
        FloatImage a = random(9, 8, 3, new Random(9)), b = a.copy();
        for (int i = 0; i < b.data.length; i++) {
            b.data[i] += 7f;
        }
        float[][] gw = {PatchSynthesis.guideWeights(2f, 3)};
        PatchDistance d = new PatchDistance(a, new FloatImage[] {a}, new FloatImage[] {b}, 9, 8,
                PatchSynthesis.styleWeights(1f, 3), gw, 5);
        d.setTargetStyle(a.data);
        float exact = 25 * 3 * (2f / 3) * 49; // 25 pixels, 3 guide channels of weight 2/3, difference 7
        assertEquals(exact, d.distance(4, 4, 4, 4, Float.POSITIVE_INFINITY), 1e-2);
        assertEquals(exact, d.lowerBound(4, 4, 4, 4), 1e-2);
    }

    @Test
    void fastMatchesReferenceOnAwkwardSizes() {
        check(7, 11, 13, 5, 3, new int[] {1, 2}, 5, 1);       // target thinner than a patch
        check(5, 5, 1, 1, 1, new int[] {3}, 5, 2);            // single-pixel target, source exactly one patch
        check(17, 9, 9, 17, 3, new int[] {3, 1, 3, 3}, 5, 3); // the propagation layout: 13 channels
        check(23, 19, 11, 7, 2, new int[] {5}, 7, 4);         // 7x7 patches, channel count not a vector multiple
        check(3, 3, 4, 3, 1, new int[] {1}, 3, 5);            // 3x3 patches, 2 channels
    }
}
