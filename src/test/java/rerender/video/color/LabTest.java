// Lab conversion against OpenCV's cvtColor (float and 8-bit paths) and the exactness of the round trip.
package rerender.video.color;

import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;
import rerender.video.FloatImage;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LabTest {
    private static FloatImage randomRgb(int w, int h, long seed, boolean integral) {
        Random rnd = new Random(seed);
        FloatImage img = new FloatImage(w, h, 3);
        for (int i = 0; i < img.data.length; i++) {
            img.data[i] = integral ? rnd.nextInt(256) : rnd.nextFloat() * 255f;
        }
        // include the corners of the cube and greys (a = b = 128 exactly in theory)
        float[][] special = {{0, 0, 0}, {255, 255, 255}, {255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {1, 1, 1}, {128, 128, 128}};
        for (int p = 0; p < special.length; p++) {
            System.arraycopy(special[p], 0, img.data, p * 3, 3);
        }
        return img;
    }

    @Test
    void matchesOpenCvFloatPath() {
        FloatImage rgb = randomRgb(37, 29, 1, false);
        try (Mat src = new Mat(rgb.height, rgb.width, opencv_core.CV_32FC3); Mat dst = new Mat()) {
            FloatBuffer in = src.createBuffer();
            for (float v : rgb.data) {
                in.put(v / 255f);
            }
            opencv_imgproc.cvtColor(src, dst, opencv_imgproc.COLOR_RGB2Lab);
            FloatBuffer out = dst.createBuffer();
            FloatImage lab = Lab.fromRgb(rgb);
            double maxErr = 0, sumErr = 0;
            for (int i = 0; i < lab.data.length; i++) {
                float cv = out.get(i);
                // OpenCV float: L in 0..100, a and b signed -> our 8-bit convention
                float expected = i % 3 == 0 ? cv * 255f / 100f : cv + 128f;
                sumErr += Math.abs(expected - lab.data[i]);
                maxErr = Math.max(maxErr, Math.abs(expected - lab.data[i]));
            }
            // OpenCV's sRGB->Lab (float and 8-bit) interpolates trilinearly in a 33^3 fixed-point table instead of
            // evaluating the formulas; its outputs carry errors up to ~0.5 (0..255 scale). We evaluate the formulas.
            double meanErr = sumErr / lab.data.length;
            assertTrue(maxErr < 0.75, "max |ours - OpenCV float| = " + maxErr);
            assertTrue(meanErr < 0.15, "mean |ours - OpenCV float| = " + meanErr);
        }
    }

    @Test
    void matchesOpenCv8BitPathWithinRounding() {
        FloatImage rgb = randomRgb(41, 23, 2, true);
        try (Mat src = new Mat(rgb.height, rgb.width, opencv_core.CV_8UC3); Mat dst = new Mat()) {
            ByteBuffer in = src.createBuffer();
            for (float v : rgb.data) {
                in.put((byte) (int) v);
            }
            opencv_imgproc.cvtColor(src, dst, opencv_imgproc.COLOR_RGB2Lab);
            ByteBuffer out = dst.createBuffer();
            FloatImage lab = Lab.fromRgb(rgb);
            double sumErr = 0;
            for (int i = 0; i < lab.data.length; i++) {
                int cv = out.get(i) & 255;
                assertEquals(cv, lab.data[i], 1.5, "channel " + i % 3 + " at pixel " + i / 3);
                sumErr += Math.abs(cv - lab.data[i]);
            }
            // rounding alone gives a mean of 0.25
            assertTrue(sumErr / lab.data.length < 0.4, "mean |ours - OpenCV 8-bit| = " + sumErr / lab.data.length);
        }
    }

    @Test
    void roundTripIsExact() {
        FloatImage rgb = randomRgb(53, 31, 3, false);
        FloatImage back = Lab.toRgb(Lab.fromRgb(rgb));
        for (int i = 0; i < rgb.data.length; i++) {
            assertEquals(rgb.data[i], back.data[i], 2e-3, "at " + i);
        }
    }

    @Test
    void knownValues() {
        float[] out = new float[3];
        Lab.rgbToLab(255, 255, 255, out, 0);
        assertEquals(255f, out[0], 1e-3);   // L* = 100
        assertEquals(128f, out[1], 1e-2);
        assertEquals(128f, out[2], 1e-2);
        Lab.rgbToLab(0, 0, 0, out, 0);
        assertEquals(0f, out[0], 1e-6);
        // pure sRGB red: L* 53.24, a* 80.09, b* 67.20 (standard D65 tables)
        Lab.rgbToLab(255, 0, 0, out, 0);
        assertEquals(53.24 * 2.55, out[0], 0.1);
        assertEquals(80.09 + 128, out[1], 0.1);
        assertEquals(67.20 + 128, out[2], 0.1);
    }

    @Test
    void tabulatedCurvesMatchExactOnes() {
        double worstDecode = 0, worstEncode = 0, worstCbrt = 0;
        for (int i = 0; i <= 1_000_000; i++) {
            double v = i / 1e6;
            worstDecode = Math.max(worstDecode, Math.abs(Lab.toLinear(v) - Lab.toLinearExact(v)));
            worstEncode = Math.max(worstEncode, Math.abs(Lab.toGamma(v) - Lab.toGammaExact(v)));
            double t = 1.2 * v;
            worstCbrt = Math.max(worstCbrt, Math.abs(Lab.f(t) - Lab.fExact(t)));
        }
        assertTrue(worstDecode < 1e-8, "decode " + worstDecode);
        assertTrue(worstEncode < 1e-8, "encode " + worstEncode);
        assertTrue(worstCbrt < 1e-8, "cube root " + worstCbrt);
    }
}
