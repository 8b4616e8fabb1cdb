// OpenCV's own non-photorealistic stylisation, cv::stylization (Gastal & Oliveira's normalised-convolution domain
// transform plus edge darkening), called through the bytedeco bindings; the filter the reference numbers use.
package rerender.video.style;

import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_photo;
import org.bytedeco.opencv.opencv_core.Mat;
import rerender.video.FloatImage;

import java.nio.ByteBuffer;

/** Input is rounded to 8 bits (OpenCV's stylization works on 8-bit BGR); output is 8-bit valued. */
public final class CvStylization implements StyleFilter {
    public static final String NAME = "cv-stylization";
    public static final float DEFAULT_SIGMA_S = 60, DEFAULT_SIGMA_R = 0.45f;

    private final float sigmaS, sigmaR;

    public CvStylization() {
        this(DEFAULT_SIGMA_S, DEFAULT_SIGMA_R);
    }

    /** @param sigmaS 0..200 (OpenCV's range), @param sigmaR 0..1 */
    public CvStylization(float sigmaS, float sigmaR) {
        if (!(sigmaS > 0 && sigmaS <= 200) || !(sigmaR > 0 && sigmaR <= 1)) {
            throw new IllegalArgumentException("cv stylization needs sigma_s in (0, 200], sigma_r in (0, 1], got "
                    + sigmaS + ", " + sigmaR);
        }
        this.sigmaS = sigmaS;
        this.sigmaR = sigmaR;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public FloatImage apply(FloatImage rgb) {
        StyleFilter.requireRgb(rgb, NAME);
        int w = rgb.width, h = rgb.height;
        try (Mat src = new Mat(h, w, opencv_core.CV_8UC3); Mat dst = new Mat()) {
            ByteBuffer in = src.createBuffer();
            for (int q = 0; q < w * h; q++) {               // RGB -> BGR
                in.put(q * 3, (byte) FloatImage.to8(rgb.data[q * 3 + 2]));
                in.put(q * 3 + 1, (byte) FloatImage.to8(rgb.data[q * 3 + 1]));
                in.put(q * 3 + 2, (byte) FloatImage.to8(rgb.data[q * 3]));
            }
            opencv_photo.stylization(src, dst, sigmaS, sigmaR);
            if (dst.rows() != h || dst.cols() != w || dst.type() != opencv_core.CV_8UC3 || !dst.isContinuous()) {
                throw new IllegalStateException("cv::stylization returned " + dst.cols() + "x" + dst.rows()
                        + " type " + dst.type() + " for a " + w + "x" + h + " 8-bit BGR image");
            }
            ByteBuffer out = dst.createBuffer();
            FloatImage res = new FloatImage(w, h, 3);
            for (int q = 0; q < w * h; q++) {
                res.data[q * 3] = out.get(q * 3 + 2) & 255;
                res.data[q * 3 + 1] = out.get(q * 3 + 1) & 255;
                res.data[q * 3 + 2] = out.get(q * 3) & 255;
            }
            return res;
        }
    }
}
