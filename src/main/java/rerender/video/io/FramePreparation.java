// Frame preparation of SPEC §2: crop, then resize so the short side is `resolution` and each side a multiple of 64.
// Follows the reference's resize_image: k = resolution / min(H, W); side = round_half_even(side * k / 64) * 64;
// INTER_LANCZOS4 when k > 1 (upscaling), INTER_AREA otherwise. Works on 8-bit frames, as the reference does.
package rerender.video.io;

import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Size;
import rerender.video.FloatImage;

import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LANCZOS4;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

/**
 * @param crop       pixels removed from each border first
 * @param resolution target length of the short side in pixels (reference `image_resolution`, default 512);
 *                   0 = keep the cropped size as it is (no resampling at all)
 */
public record FramePreparation(Crop crop, int resolution) {
    public static final int DEFAULT_RESOLUTION = 512;
    public static final FramePreparation DEFAULT = new FramePreparation(Crop.NONE, DEFAULT_RESOLUTION);
    public static final FramePreparation NONE = new FramePreparation(Crop.NONE, 0);

    public FramePreparation {
        if (crop == null) {
            crop = Crop.NONE;
        }
        if (resolution < 0) {
            throw new IllegalArgumentException("resolution must be >= 0 (0 = keep size), got " + resolution);
        }
    }

    /** Output size [width, height] for a stored frame of size width x height. */
    public int[] outputSize(int width, int height) {
        int w = crop.croppedWidth(width), h = crop.croppedHeight(height);
        if (resolution == 0) {
            return new int[] {w, h};
        }
        double k = (double) resolution / Math.min(h, w);
        int outH = (int) Math.rint(h * k / 64.0) * 64;
        int outW = (int) Math.rint(w * k / 64.0) * 64;
        if (outH <= 0 || outW <= 0) {
            throw new IllegalArgumentException("frame " + w + "x" + h + " at resolution " + resolution
                    + " rounds to an empty side (multiples of 64)");
        }
        return new int[] {outW, outH};
    }

    /** Whether the resize step upsamples (Lanczos) rather than downsamples (area), by the reference's k > 1 rule. */
    public boolean upscales(int width, int height) {
        int w = crop.croppedWidth(width), h = crop.croppedHeight(height);
        return resolution != 0 && (double) resolution / Math.min(h, w) > 1;
    }

    /** Crops and resizes an 8-bit Mat (channel order untouched) into a float image. The input Mat is not modified. */
    public FloatImage apply(Mat frame8) {
        int width = frame8.cols(), height = frame8.rows();
        int[] size = outputSize(width, height);
        int w = crop.croppedWidth(width), h = crop.croppedHeight(height);
        try (Rect rect = new Rect(crop.left(), crop.top(), w, h); Mat roi = new Mat(frame8, rect)) {
            if (size[0] == w && size[1] == h) {
                return CvMats.fromMat8(roi); // already the target size: no resampling
            }
            try (Mat out = new Mat(); Size dsize = new Size(size[0], size[1])) {
                resize(roi, out, dsize, 0, 0, upscales(width, height) ? INTER_LANCZOS4 : INTER_AREA);
                return CvMats.fromMat8(out);
            }
        }
    }

    /** Same as {@link #apply(Mat)} for a float image (rounded to 8 bits first, like a decoded frame). */
    public FloatImage apply(FloatImage frame) {
        if (crop.isNone() && resolution == 0) {
            return frame.copy();
        }
        try (Mat m = CvMats.toMat8(frame)) {
            return apply(m);
        }
    }
}
