package rerender.diffusion;

import org.junit.jupiter.api.Test;
import rerender.diffusion.annotator.CannyDetector;
import rerender.tensor.Tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CannyDetectorTest {
    @Test
    void verticalStepGivesOneEdgeColumnOnAllThreeChannels() {
        int w = 32, h = 24;
        byte[] rgb = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 16; x < w; x++) {
                for (int c = 0; c < 3; c++) {
                    rgb[(y * w + x) * 3 + c] = (byte) 200;
                }
            }
        }
        Tensor hint = CannyDetector.defaults().detect(rgb, w, h);
        assertEquals(3, hint.dim(1));
        float[] d = hint.data();
        int plane = w * h;
        int edgePixels = 0;
        for (int i = 0; i < plane; i++) {
            assertTrue(d[i] == 0f || d[i] == 1f);
            assertEquals(d[i], d[plane + i]);
            assertEquals(d[i], d[2 * plane + i]);
            if (d[i] == 1f) {
                int x = i % w;
                assertTrue(x == 15 || x == 16, "edge at column " + x);
                edgePixels++;
            }
        }
        // one edge pixel per row (interior rows at least)
        assertTrue(edgePixels >= h - 2 && edgePixels <= 2 * h, "edge pixels " + edgePixels);
    }

    @Test
    void flatImageHasNoEdgesAndBadThresholdsThrow() {
        Tensor hint = CannyDetector.defaults().detect(new byte[8 * 8 * 3], 8, 8);
        for (float v : hint.data()) {
            assertEquals(0f, v);
        }
        assertThrows(IllegalArgumentException.class, () -> new CannyDetector(200, 100));
    }
}
