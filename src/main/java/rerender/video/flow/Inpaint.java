// Fills masked pixels by Telea's fast-marching inpainting (Telea 2004), OpenCV's inpaint(..., INPAINT_TELEA):
// the reference fills occluded pixels of the warped temporal and positional guides this way (radius 30).
package rerender.video.flow;

import org.bytedeco.opencv.opencv_core.Mat;
import rerender.video.FloatImage;
import rerender.video.io.CvMats;

import static org.bytedeco.opencv.global.opencv_photo.INPAINT_TELEA;
import static org.bytedeco.opencv.global.opencv_photo.inpaint;

public final class Inpaint {
    public static final double REFERENCE_RADIUS = 30;

    private Inpaint() {
    }

    /**
     * @param image  [H, W, 1 or 3], values 0..255 (inpainting runs on 8 bits, as in the reference)
     * @param mask   [H, W, 1], pixels > 0.5 are filled
     * @param radius neighbourhood radius in pixels (reference 30)
     * @return a copy where masked pixels are inpainted and all other pixels keep their exact float values
     */
    public static FloatImage telea(FloatImage image, FloatImage mask, double radius) {
        if (!image.sameSize(mask) || mask.channels != 1) {
            throw new IllegalArgumentException("mask must be 1-channel " + image.width + "x" + image.height + ", got "
                    + mask.width + "x" + mask.height + "x" + mask.channels);
        }
        if (image.channels != 1 && image.channels != 3) {
            throw new IllegalArgumentException("inpainting needs a 1- or 3-channel image, got " + image.channels);
        }
        if (!(radius > 0)) {
            throw new IllegalArgumentException("inpainting radius must be > 0, got " + radius);
        }
        FloatImage m8 = new FloatImage(mask.width, mask.height, 1);
        boolean any = false;
        for (int i = 0; i < mask.data.length; i++) {
            if (mask.data[i] > 0.5f) {
                m8.data[i] = 255;
                any = true;
            }
        }
        FloatImage out = image.copy();
        if (!any) {
            return out;
        }
        FloatImage filled;
        try (Mat src = CvMats.toMat8(image); Mat m = CvMats.toMat8(m8); Mat dst = new Mat()) {
            inpaint(src, m, dst, radius, INPAINT_TELEA);
            filled = CvMats.fromMat8(dst);
        }
        int c = image.channels;
        for (int i = 0; i < mask.data.length; i++) {
            if (m8.data[i] != 0) {
                System.arraycopy(filled.data, i * c, out.data, i * c, c);
            }
        }
        return out;
    }
}
