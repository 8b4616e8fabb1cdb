// Dense Inverse Search optical flow (Kroeger et al. 2016, "Fast Optical Flow using Dense Inverse Search"), OpenCV's
// DISOpticalFlow on the frames' luma. SPEC §4 [ours]: the default flow, needing no weights.
package rerender.video.flow;

import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_video.DISOpticalFlow;
import rerender.video.FloatImage;
import rerender.video.io.CvMats;

import static org.bytedeco.opencv.global.opencv_core.CV_32FC2;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_RGB2GRAY;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;

/**
 * OpenCV's DIS returns flow such that I0(p) ~ I1(p + flow(p)), i.e. flow(I0 -> I1) in our convention
 * ({@link Flow}). Each direction is its own DIS run (DIS is not symmetric). A new DIS instance is made per call,
 * so one DisFlow can be used from several threads.
 */
public final class DisFlow implements FlowEstimator {
    /** OpenCV's presets; see the class comment of {@link #DEFAULT} for the measured trade-off. */
    public enum Preset {
        ULTRAFAST(DISOpticalFlow.PRESET_ULTRAFAST), FAST(DISOpticalFlow.PRESET_FAST), MEDIUM(DISOpticalFlow.PRESET_MEDIUM);

        final int cv;

        Preset(int cv) {
            this.cv = cv;
        }
    }

    /**
     * MEDIUM: on the sample clips (512x896 and 704x512) it has the lowest photometric error on the pixels the
     * consistency check keeps and marks the fewest pixels occluded, for frame gaps of 1 and 10, at about 2-3x the
     * cost of FAST, still well under a second per pair (figures in the project notes / DisPresetTest).
     */
    public static final DisFlow DEFAULT = new DisFlow(Preset.MEDIUM);

    private final Preset preset;

    public DisFlow(Preset preset) {
        this.preset = preset;
    }

    public Preset preset() {
        return preset;
    }

    @Override
    public String id() {
        return "dis-" + preset.name().toLowerCase(java.util.Locale.ROOT) + "-luma-v1";
    }

    @Override
    public FlowPair estimate(FloatImage a, FloatImage b) {
        if (!a.sameSize(b) || a.channels != 3 || b.channels != 3) {
            throw new IllegalArgumentException("flow needs two RGB frames of the same size, got " + a.width + "x" + a.height
                    + "x" + a.channels + " and " + b.width + "x" + b.height + "x" + b.channels);
        }
        try (Mat ga = gray(a); Mat gb = gray(b); DISOpticalFlow dis = DISOpticalFlow.create(preset.cv)) {
            return new FlowPair(calc(dis, ga, gb, a.width, a.height), calc(dis, gb, ga, a.width, a.height));
        }
    }

    private static Flow calc(DISOpticalFlow dis, Mat from, Mat to, int w, int h) {
        try (Mat flow = new Mat(h, w, CV_32FC2)) {
            dis.calc(from, to, flow);
            return new Flow(w, h, CvMats.fromMat32(flow));
        }
    }

    /** RGB float -> 8-bit luma (OpenCV's 0.299 R + 0.587 G + 0.114 B). */
    private static Mat gray(FloatImage img) {
        try (Mat rgb = CvMats.toMat8(img)) {
            Mat g = new Mat();
            cvtColor(rgb, g, COLOR_RGB2GRAY);
            return g;
        }
    }
}
