// Behavioural tests of guided patch synthesis on small synthetic images: identity, motion, determinism, error map.
package rerender.video.synth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import rerender.video.FloatImage;

class PatchSynthesisTest {
    private static final SynthParams FAST = SynthParams.defaults().withIterations(4, 4);

    @Test
    void unchangedFrameReproducesTheKey() {
        FloatImage img = SynthTestImages.texture(64, 48, 7);
        SynthResult res = PatchSynthesis.synthesize(img, List.of(new Guide(img, img, 6f)), FAST, null);
        double psnr = SynthTestImages.psnr(res.image(), img, 0);
        assertTrue(psnr > 40, "identity PSNR " + psnr);
    }

    @Test
    void outputFollowsATranslation() {
        FloatImage big = SynthTestImages.texture(80, 64, 11);
        FloatImage source = SynthTestImages.crop(big, 8, 8, 64, 48);
        FloatImage target = SynthTestImages.crop(big, 5, 6, 64, 48); // content moved by (+3, +2)
        FloatImage style = SynthTestImages.colourMap(source);
        FloatImage expected = SynthTestImages.colourMap(target);
        SynthResult res = PatchSynthesis.synthesize(style, List.of(new Guide(source, target, 6f)), FAST, null);
        double psnr = SynthTestImages.psnr(res.image(), expected, 6);
        assertTrue(psnr > 35, "translation PSNR away from borders " + psnr);
        // and the NNF of an interior pixel points 3 left, 2 up
        int x = 30, y = 20, t = y * 64 + x;
        assertEquals(x - 3, res.nnf()[2 * t]);
        assertEquals(y - 2, res.nnf()[2 * t + 1]);
    }

    @Test
    void sameSeedSameResultOnAnyThreadCount() throws Exception {
        FloatImage big = SynthTestImages.texture(90, 90, 3);
        FloatImage source = SynthTestImages.crop(big, 4, 4, 61, 79);
        FloatImage target = SynthTestImages.crop(big, 2, 7, 61, 79);
        FloatImage style = SynthTestImages.colourMap(source);
        List<Guide> guides = List.of(new Guide(source, target, 6f),
                new Guide(GuideImages.laplacianEdges(source), GuideImages.laplacianEdges(target), 0.5f));
        SynthParams p = FAST.withSeed(42);
        SynthResult seq = PatchSynthesis.synthesize(style, guides, p, null);
        SynthResult one, two, again;
        try (ExecutorService pool1 = Executors.newFixedThreadPool(1);
             ExecutorService pool2 = Executors.newFixedThreadPool(2)) {
            one = PatchSynthesis.synthesize(style, guides, p, pool1);
            two = PatchSynthesis.synthesize(style, guides, p, pool2);
            again = PatchSynthesis.synthesize(style, guides, p, pool2);
        }
        assertTrue(Bands.count(79) > 1, "the test must exercise several bands");
        for (SynthResult r : List.of(one, two, again)) {
            assertArrayEquals(seq.image().data, r.image().data);
            assertArrayEquals(seq.error(), r.error());
            assertArrayEquals(seq.nnf(), r.nnf());
        }
    }

    @Test
    void errorIsHighWhereTheTargetHasNewContent() {
        FloatImage source = SynthTestImages.texture(64, 48, 5);
        FloatImage target = source.copy();
        // a saturated checkerboard (values 0 and 255 on all channels) that the 20..235 texture does not contain
        for (int y = 16; y < 32; y++) {
            for (int x = 24; x < 44; x++) {
                float v = ((x / 2 + y / 2) % 2 == 0) ? 0 : 255;
                target.set(x, y, 0, v);
                target.set(x, y, 1, 255 - v);
                target.set(x, y, 2, v);
            }
        }
        SynthResult res = PatchSynthesis.synthesize(source, List.of(new Guide(source, target, 6f)), FAST, null);
        float[] inside = region(res.error(), 64, 26, 18, 42, 30), outside = region(res.error(), 64, 4, 38, 60, 46);
        float medIn = median(inside), medOut = median(outside);
        assertTrue(medIn > 20 * medOut + 1000, "error inside " + medIn + " vs outside " + medOut);
    }

    @Test
    void differentSizedTargetAndValidation() {
        FloatImage src = SynthTestImages.texture(40, 30, 9);
        FloatImage tgt = SynthTestImages.texture(50, 20, 9);
        SynthResult res = PatchSynthesis.synthesize(src, List.of(new Guide(src, tgt, 1f)), FAST, null);
        assertEquals(50, res.image().width);
        assertEquals(20, res.image().height);
        assertEquals(50 * 20, res.error().length);
        for (float v : res.image().data) {
            assertTrue(v >= 20 - 1e-3 && v <= 235 + 1e-3, "votes are convex combinations of style pixels");
        }
        assertThrows(IllegalArgumentException.class, () -> PatchSynthesis.synthesize(src,
                List.of(new Guide(tgt, tgt, 1f)), FAST, null));
        assertThrows(IllegalArgumentException.class, () -> new SynthParams(4, 1, 1, 1, 0, 1, false, 5, 0));
        assertThrows(IllegalArgumentException.class, () -> new Guide(src, new FloatImage(40, 30, 1), 1f));
        FloatImage nan = tgt.copy();
        nan.data[17] = Float.NaN;
        assertThrows(IllegalArgumentException.class, () -> PatchSynthesis.synthesize(src,
                List.of(new Guide(src, nan, 1f)), FAST, null));
    }

    @Test
    void pyramidLevelsFollowEbsynthsRule() {
        assertEquals(6, Pyramid.levelCount(512, 5, 0));  // 512 >> 5 = 16 >= 11, 512 >> 6 = 8 < 11
        assertEquals(3, Pyramid.levelCount(512, 5, 3));
        assertEquals(1, Pyramid.levelCount(10, 5, 0));
        FloatImage img = new FloatImage(4, 4, 1);
        for (int i = 0; i < 16; i++) {
            img.data[i] = i;
        }
        FloatImage half = Pyramid.downsample(img, 2, 2);
        assertArrayEquals(new float[] {2.5f, 4.5f, 10.5f, 12.5f}, half.data, 1e-5f); // 2x2 box means
        FloatImage third = Pyramid.downsample(new FloatImage(5, 3, 2).filled(7f), 2, 1);
        for (float v : third.data) {
            assertEquals(7f, v, 1e-5f);
        }
    }

    @Test
    void guideImages() {
        FloatImage flat = new FloatImage(5, 4, 3).filled(100f);
        for (float v : GuideImages.laplacianEdges(flat).data) {
            assertEquals(0f, v);
        }
        FloatImage dot = new FloatImage(5, 5, 1);
        dot.set(2, 2, 0, 10f);
        FloatImage e = GuideImages.laplacianEdges(dot);
        assertEquals(40f, e.get(2, 2, 0));
        assertEquals(0f, e.get(1, 2, 0)); // -10 clamps to 0
        FloatImage pos = GuideImages.positional(4, 2);
        assertEquals(127.5f, pos.get(3, 1, 0), 1e-4f);
        assertEquals(191.25f, pos.get(3, 1, 1), 1e-4f);
        assertEquals(0f, pos.get(3, 1, 2));
    }

    private static float[] region(float[] err, int w, int x0, int y0, int x1, int y1) {
        float[] out = new float[(x1 - x0) * (y1 - y0)];
        int n = 0;
        for (int y = y0; y < y1; y++) {
            for (int x = x0; x < x1; x++) {
                out[n++] = err[y * w + x];
            }
        }
        return out;
    }

    private static float median(float[] v) {
        float[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
