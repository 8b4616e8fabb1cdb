package rerender.pipeline.bench;

import org.junit.jupiter.api.Test;
import rerender.video.FloatImage;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageMetricsTest {
    @Test
    void psnrOfAConstantOffsetIsAnalytic() {
        FloatImage a = new FloatImage(13, 11, 3).filled(100), b = new FloatImage(13, 11, 3).filled(105);
        assertEquals(10 * Math.log10(255.0 * 255.0 / 25.0), ImageMetrics.psnr(a, b), 1e-9);
        assertEquals(Double.POSITIVE_INFINITY, ImageMetrics.psnr(a, a.copy()));
    }

    @Test
    void ssimOfConstantImagesIsTheLuminanceTerm() {
        FloatImage a = new FloatImage(17, 12, 3).filled(100), b = new FloatImage(17, 12, 3).filled(140);
        double expected = (2 * 100.0 * 140 + ImageMetrics.C1) / (100.0 * 100 + 140.0 * 140 + ImageMetrics.C1);
        assertEquals(expected, ImageMetrics.ssim(a, b), 1e-9);
    }

    @Test
    void ssimIsOneForIdenticalImagesAndDropsWithNoise() {
        Random r = new Random(3);
        FloatImage a = new FloatImage(23, 19, 3), b = new FloatImage(23, 19, 3);
        for (int i = 0; i < a.data.length; i++) {
            a.data[i] = r.nextInt(256);
            b.data[i] = Math.clamp(a.data[i] + (float) r.nextGaussian() * 40, 0, 255);
        }
        assertEquals(1.0, ImageMetrics.ssim(a, a.copy()), 1e-9);
        double s = ImageMetrics.ssim(a, b);
        assertTrue(s < 0.95 && s > 0, "ssim " + s);
    }
}
