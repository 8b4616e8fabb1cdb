// Settings of a propagation run (SPEC §5, §6 "plus for propagation"): synthesis, guides, blending, threads, I/O.
package rerender.pipeline;

import rerender.video.io.FramePreparation;
import rerender.video.io.FrameRange;
import rerender.video.io.Mp4Settings;
import rerender.video.synth.SynthParams;

/**
 * @param preparation crop + resize of the input frames (SPEC §2)
 * @param range       frames of the input used; frame 0 of the plan is range.first of the video
 * @param synth       patch synthesis settings (reference: 5x5 patches, uniformity 3500, 6 PatchMatch iterations,
 *                    12 search-vote rounds)
 * @param guides      guide weights and inpainting radius
 * @param poisson     gradient-domain (Poisson) blending after the histogram blend (reference CLI default: off)
 * @param threads     worker threads, ≥ 1; results never depend on it
 * @param mp4         H.264 encoder settings of the output video
 */
public record PropagationSettings(FramePreparation preparation, FrameRange range, SynthParams synth,
                                  GuideWeights guides, boolean poisson, int threads, Mp4Settings mp4) {
    public PropagationSettings {
        if (preparation == null || range == null || synth == null || guides == null || mp4 == null) {
            throw new IllegalArgumentException("propagation settings must not be null");
        }
        if (threads < 1) {
            throw new IllegalArgumentException("--threads must be at least 1, got " + threads);
        }
    }

    public static PropagationSettings defaults() {
        return new PropagationSettings(FramePreparation.DEFAULT, FrameRange.EVERYTHING, SynthParams.defaults(),
                GuideWeights.REFERENCE, false, Runtime.getRuntime().availableProcessors(), Mp4Settings.DEFAULT);
    }

    public PropagationSettings withPoisson(boolean on) {
        return new PropagationSettings(preparation, range, synth, guides, on, threads, mp4);
    }

    public PropagationSettings withThreads(int n) {
        return new PropagationSettings(preparation, range, synth, guides, poisson, n, mp4);
    }

    public PropagationSettings withPreparation(FramePreparation p) {
        return new PropagationSettings(p, range, synth, guides, poisson, threads, mp4);
    }

    public PropagationSettings withRange(FrameRange r) {
        return new PropagationSettings(preparation, r, synth, guides, poisson, threads, mp4);
    }

    public PropagationSettings withSynth(SynthParams s) {
        return new PropagationSettings(preparation, range, s, guides, poisson, threads, mp4);
    }

    public PropagationSettings withMp4(Mp4Settings m) {
        return new PropagationSettings(preparation, range, synth, guides, poisson, threads, m);
    }

    /** Everything that changes the synthesised frames of a segment (not threads, not I/O): part of the manifest. */
    public String resultFingerprint() {
        return "synth=" + synth + ";guides=" + guides + ";poisson=" + poisson;
    }
}
