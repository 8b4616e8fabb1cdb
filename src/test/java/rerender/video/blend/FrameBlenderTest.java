// FrameBlender wires mask, histogram blend and Poisson step together: same results as the parts called one by one,
// parallel channel solves equal serial ones, and the returned mask is the one to warp for the next frame.
package rerender.video.blend;

import org.junit.jupiter.api.Test;
import rerender.video.FloatImage;
import rerender.video.color.Lab;

import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class FrameBlenderTest {
    private static float[] errors(int n, long seed) {
        Random rnd = new Random(seed);
        float[] e = new float[n];
        for (int i = 0; i < n; i++) {
            e[i] = rnd.nextFloat() * 100;
        }
        return e;
    }

    @Test
    void histogramOnlyEqualsTheParts() {
        int w = 23, h = 19, n = w * h;
        FloatImage a = BlendImages.textured(w, h, 1), b = BlendImages.textured(w, h, 2);
        float[] ea = errors(n, 3), eb = errors(n, 4);
        boolean[] prev = BlendImages.randomMask(n, 5);
        FrameBlender.Result r = new FrameBlender(w, h, false, Runnable::run).blend(a, b, ea, eb, 0.25, prev);
        boolean[] mask = ErrorMask.compute(ea, eb, 0.25, prev);
        assertArrayEquals(mask, r.mask());
        assertArrayEquals(HistogramBlend.blend(a, b, mask, 0.25).data, r.image().data, 1e-4f);
    }

    @Test
    void poissonEqualsThePartsAndParallelEqualsSerial() throws Exception {
        int w = 20, h = 14, n = w * h;
        FloatImage a = BlendImages.textured(w, h, 6), b = BlendImages.textured(w, h, 7);
        float[] ea = errors(n, 8), eb = errors(n, 9);
        FrameBlender.Result serial = new FrameBlender(w, h, true, Runnable::run).blend(a, b, ea, eb, 0.6, null);
        FloatImage labA = Lab.fromRgb(a), labB = Lab.fromRgb(b);
        boolean[] mask = ErrorMask.compute(ea, eb, 0.6, null);
        FloatImage hist = HistogramBlend.blendLab(labA, labB, mask, 0.6);
        FloatImage expected = Lab.toRgb(new PoissonBlend(w, h).blendLab(labA, labB, mask, hist));
        assertArrayEquals(expected.data, serial.image().data, 1e-4f);
        try (ExecutorService pool = Executors.newFixedThreadPool(3)) {
            FrameBlender.Result parallel = new FrameBlender(w, h, true, pool).blend(a, b, ea, eb, 0.6, null);
            assertArrayEquals(serial.image().data, parallel.image().data, 0f);
        }
    }

    @Test
    void identicalSynthesesComeBack() {
        FloatImage a = BlendImages.textured(17, 13, 10);
        FrameBlender.Result r = new FrameBlender(17, 13, true, Runnable::run)
                .blend(a, a.copy(), errors(17 * 13, 11), errors(17 * 13, 12), 0.5, null);
        for (int i = 0; i < a.data.length; i++) {
            assertEquals(a.data[i], r.image().data[i], 0.02, "at " + i);
        }
    }

    @Test
    void rejectsWrongSizes() {
        FrameBlender fb = new FrameBlender(8, 8, false, Runnable::run);
        FloatImage img = new FloatImage(8, 9, 3);
        assertThrows(IllegalArgumentException.class, () -> fb.blend(img, img, new float[72], new float[72], 0.5, null));
    }
}
