// Dense Inverse Search optical flow (Kroeger et al. 2016, "Fast Optical Flow using Dense Inverse Search"), OpenCV's
// DISOpticalFlow on the frames' luma. SPEC §4 [ours]: the default flow, needing no weights.
package rerender.video.flow;

import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
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
    /** OpenCV's presets; see {@link #DEFAULT} for the measured trade-off. */
    public enum Preset {
        ULTRAFAST(DISOpticalFlow.PRESET_ULTRAFAST), FAST(DISOpticalFlow.PRESET_FAST), MEDIUM(DISOpticalFlow.PRESET_MEDIUM);

        final int cv;

        Preset(int cv) {
            this.cv = cv;
        }
    }

    /**
     * MEDIUM. Measured by DisPresetSurveyTest on the three sample clips at 512 resolution (frame 40 vs 41 and vs 50,
     * shared 2-core machine): MEDIUM has the lowest mean |warp(a, flow(b->a)) - b| on pixels the consistency check
     * keeps in all six cases (e.g. 0.73 vs 0.83 FAST vs 0.86 ULTRAFAST at gap 1, 1.50 / 1.71 / 1.66 at gap 10 on
     * 512x896) and flags far fewer pixels occluded at gap 10 (13.7-32.9% vs 20-51% FAST, 40-71% ULTRAFAST), which
     * matters because key frames are 10 frames apart. It costs 200-360 ms per pair (both directions) vs 60-90 ms
     * for FAST.
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
        return "dis-" + preset.name().toLowerCase(java.util.Locale.ROOT) + "-luma-v2";
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
        // The output Mat must start zeroed: OpenCV's DIS reads the buffer it is given, so an uninitialised one made
        // the flow differ from call to call (and the occlusion test flaky).
        try (Mat flow = new Mat(h, w, CV_32FC2, Scalar.all(0))) {
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
