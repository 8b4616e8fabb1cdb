// Canny edge map as a ControlNet hint (Canny 1986, via OpenCV's Canny like the reference's apply_canny): an RGB
// 8-bit image -> binary edges replicated to 3 channels, scaled to [0, 1].
package rerender.diffusion.annotator;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import rerender.tensor.Tensor;

/**
 * @param low  lower hysteresis threshold (reference default 100; shipped configs 50)
 * @param high upper hysteresis threshold (reference default 200; shipped configs 100)
 */
public record CannyDetector(double low, double high) {
    public CannyDetector {
        if (!(low >= 0) || !(high >= low)) {
            throw new IllegalArgumentException("canny thresholds must satisfy 0 <= low <= high, got " + low + "/" + high);
        }
    }

    public static CannyDetector defaults() {
        return new CannyDetector(100, 200);
    }

    /**
     * rgb: interleaved 8-bit RGB values (0..255) of a width x height image, row-major -> hint [1, 3, H, W] with
     * values 0 or 1. OpenCV's Canny on a 3-channel image uses, per pixel, the channel with the largest gradient.
     */
    public Tensor detect(byte[] rgb, int width, int height) {
        if (rgb.length != width * height * 3) {
            throw new IllegalArgumentException("canny: " + rgb.length + " bytes is not a " + width + "x" + height
                    + " RGB image");
        }
        byte[] edges = new byte[width * height];
        try (Mat src = new Mat(height, width, opencv_core.CV_8UC3); Mat dst = new Mat()) {
            src.data().put(rgb);
            opencv_imgproc.Canny(src, dst, low, high);
            try (BytePointer p = dst.data()) {
                p.get(edges);
            }
        }
        int plane = width * height;
        float[] hint = new float[3 * plane];
        for (int i = 0; i < plane; i++) {
            float v = (edges[i] & 0xff) / 255f;
            hint[i] = v;
            hint[plane + i] = v;
            hint[2 * plane + i] = v;
        }
        return Tensor.of(hint, 1, 3, height, width);
    }
}
