// Copies between FloatImage and OpenCV Mats (8-bit or float). Mats are native memory: callers close them.
package rerender.video.io;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.opencv.opencv_core.Mat;
import rerender.video.FloatImage;

import static org.bytedeco.opencv.global.opencv_core.CV_32FC;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC;

public final class CvMats {
    private CvMats() {
    }

    /** [H, W, C] float 0..255 -> 8-bit Mat of the same channel order, values rounded and clamped. */
    public static Mat toMat8(FloatImage img) {
        byte[] bytes = new byte[img.data.length];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) FloatImage.to8(img.data[i]);
        }
        Mat m = new Mat(img.height, img.width, CV_8UC(img.channels));
        m.data().put(bytes);
        return m;
    }

    /** 8-bit Mat (any stride, e.g. a region of interest) -> float image in 0..255. */
    public static FloatImage fromMat8(Mat m) {
        int w = m.cols(), h = m.rows(), c = m.channels();
        FloatImage out = new FloatImage(w, h, c);
        byte[] row = new byte[w * c];
        BytePointer data = m.data();
        long step = m.step();
        for (int y = 0; y < h; y++) {
            data.position(y * step).get(row, 0, row.length);
            for (int i = 0, o = y * w * c; i < row.length; i++) {
                out.data[o + i] = row[i] & 255;
            }
        }
        data.position(0);
        return out;
    }

    /** [H, W, C] float -> CV_32FC(C) Mat, values copied exactly. */
    public static Mat toMat32(float[] data, int width, int height, int channels) {
        Mat m = new Mat(height, width, CV_32FC(channels));
        new FloatPointer(m.data()).put(data, 0, width * height * channels);
        return m;
    }

    /** Continuous or strided CV_32F Mat -> its [H, W, C] floats. */
    public static float[] fromMat32(Mat m) {
        int w = m.cols(), h = m.rows(), c = m.channels();
        float[] out = new float[w * h * c];
        FloatPointer fp = new FloatPointer(m.data());
        long stepFloats = m.step() / Float.BYTES;
        for (int y = 0; y < h; y++) {
            fp.position(y * stepFloats).get(out, y * w * c, w * c);
        }
        return out;
    }
}
