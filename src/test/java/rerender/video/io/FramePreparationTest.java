// SPEC §2 frame preparation: crop first, short side -> resolution, sides rounded (half to even) to multiples of 64.
package rerender.video.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rerender.testutil.Shared;
import rerender.video.FloatImage;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class FramePreparationTest {
    @TempDir
    Path dir;

    @Test
    void sizeRuleMatchesHandComputedCases() {
        FramePreparation p = FramePreparation.DEFAULT;
        // 540x960: k = 512/540, 960k = 910.2 -> 14.22*64 -> 896
        assertArrayEquals(new int[] {512, 896}, p.outputSize(540, 960));
        // 960x506 (upscale): k = 512/506, 960k = 971.4 -> 15.18 -> 960
        assertArrayEquals(new int[] {960, 512}, p.outputSize(960, 506));
        assertTrue(p.upscales(960, 506));
        // 960x720: k = 512/720, 960k = 682.7 -> 10.67 -> 704
        assertArrayEquals(new int[] {704, 512}, p.outputSize(960, 720));
        // ties go to even, as numpy's round: 544/64 = 8.5 -> 8, 608/64 = 9.5 -> 10
        assertArrayEquals(new int[] {512, 512}, p.outputSize(544, 512));
        assertArrayEquals(new int[] {640, 512}, p.outputSize(608, 512));
        // crop comes first: 560x1000 minus (l10, r10, t20, b20) = 540x960
        assertArrayEquals(new int[] {512, 896}, new FramePreparation(new Crop(10, 10, 20, 20), 512).outputSize(560, 1000));
        assertArrayEquals(new int[] {540, 960}, new FramePreparation(new Crop(10, 10, 20, 20), 0).outputSize(560, 1000));
        assertThrows(IllegalArgumentException.class, () -> new FramePreparation(new Crop(300, 300, 0, 0), 512).outputSize(540, 960));
    }

    @Test
    void alreadyValidSizeIsNotResampledAndCropIsExact() throws IOException {
        Random r = new Random(7);
        FloatImage noise = new FloatImage(192, 128, 3);
        for (int i = 0; i < noise.data.length; i++) {
            noise.data[i] = r.nextInt(256);
        }
        // 192x128 at resolution 128 is already the target: any interpolation would change random noise
        assertArrayEquals(noise.data, new FramePreparation(Crop.NONE, 128).apply(noise).data);
        // crop (l3, r5, t2, b6) of 200x136 back to the 192x128 noise, no resampling either
        FloatImage big = new FloatImage(200, 136, 3).filled(77);
        for (int y = 0; y < 128; y++) {
            for (int x = 0; x < 192; x++) {
                for (int c = 0; c < 3; c++) {
                    big.set(x + 3, y + 2, c, noise.get(x, y, c));
                }
            }
        }
        assertArrayEquals(noise.data, new FramePreparation(new Crop(3, 5, 2, 6), 128).apply(big).data);
        // a real resize (to 256x384, Lanczos) changes the noise
        FloatImage up = new FramePreparation(Crop.NONE, 256).apply(noise);
        assertEquals(384, up.width);
        assertEquals(256, up.height);
    }

    @Test
    void areaDownscaleOfAConstantBlockIsConstant() {
        // INTER_AREA averages source pixels: a constant image stays constant exactly (Lanczos would ring at edges)
        FloatImage flat = new FloatImage(300, 200, 3).filled(93);
        FloatImage small = new FramePreparation(Crop.NONE, 64).apply(flat);
        assertEquals(64, small.height);
        assertEquals(128, small.width); // 300 * 64/200 = 96; 96/64 = 1.5 rounds half to even -> 2 -> 128
        for (float v : small.data) {
            assertEquals(93f, v);
        }
    }

    @Test
    void realPortraitClipIsResizedTo512x896AndKeepsItsMeanColour() throws IOException {
        Path clip = Shared.video("pexels-antoni");
        VideoReadOptions raw = new VideoReadOptions(new FrameRange(0, 2), FramePreparation.NONE, null);
        VideoReadOptions prepared = raw.withPreparation(FramePreparation.DEFAULT);
        List<FloatImage> full, small;
        try (VideoSource s = VideoSource.open(clip, raw)) {
            assertEquals(540, s.info().width());
            assertEquals(960, s.info().height());
            assertEquals(Rational.of(25, 1), s.info().frameRate());
            full = s.readAll();
        }
        try (VideoSource s = VideoSource.open(clip, prepared)) {
            assertArrayEquals(new int[] {512, 896}, s.frameSize());
            assertEquals(2, s.frameCount());
            small = s.readAll();
        }
        assertEquals(2, small.size());
        for (int t = 0; t < 2; t++) {
            assertEquals(512, small.get(t).width);
            assertEquals(896, small.get(t).height);
            for (int c = 0; c < 3; c++) {
                // area interpolation preserves the mean (up to 8-bit rounding and the slight aspect change of the 64-rounding)
                assertEquals(mean(full.get(t), c), mean(small.get(t), c), 1.5, "channel " + c);
            }
        }
    }

    private static double mean(FloatImage img, int c) {
        double s = 0;
        for (int i = c; i < img.data.length; i += img.channels) {
            s += img.data[i];
        }
        return s / (img.width * img.height);
    }
}
