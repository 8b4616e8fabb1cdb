// Builds the guide pairs of one synthesis step of a propagation pass (SPEC §5, after the reference's
// blender/guide.py): colour, Laplacian edges, temporal (flow-warped previous output) and positional (coordinate
// image carried along the flow chain).
package rerender.pipeline;

import rerender.video.FloatImage;
import rerender.video.flow.Inpaint;
import rerender.video.flow.Warp;
import rerender.video.synth.Guide;
import rerender.video.synth.GuideImages;

import java.util.List;

/**
 * One instance per pass (forward from key k or backward from key k'). The source side of every guide is the key's:
 * its input frame, its edges, its stylised image, the plain coordinate image. The target side is built for each
 * frame as the pass walks away from the key, one flow step at a time.
 */
final class GuideBuilder {
    private final GuideWeights weights;
    private final FloatImage keyInput;   // [H, W, 3]
    private final FloatImage keyEdges;   // [H, W, 3]
    private final FloatImage keyStyle;   // [H, W, 3]
    private final FloatImage keyPositional; // [H, W, 3] R = row/H·255, G = col/W·255, B = 0
    private FloatImage positional;       // the coordinate image carried to the current frame

    GuideBuilder(FloatImage keyInput, FloatImage keyStyle, GuideWeights weights) {
        this.weights = weights;
        this.keyInput = keyInput;
        this.keyEdges = GuideImages.laplacianEdges(keyInput);
        this.keyStyle = keyStyle;
        this.keyPositional = GuideImages.positional(keyInput.width, keyInput.height);
        this.positional = keyPositional;
    }

    /**
     * Guides for the next frame of the pass.
     *
     * @param step           flow step from the previous frame of the pass (the key for the first one) to this frame
     * @param frameInput     [H, W, 3] input frame to synthesise
     * @param previousOutput [H, W, 3] stylised output of the previous frame of the pass (the key's stylised image
     *                       for the first one)
     */
    List<Guide> next(FrameFlows.Step step, FloatImage frameInput, FloatImage previousOutput) {
        positional = carry(positional, step);
        FloatImage temporal = carry(previousOutput, step);
        return List.of(
                new Guide(keyInput, frameInput, weights.colour()),
                new Guide(keyEdges, GuideImages.laplacianEdges(frameInput), weights.edges()),
                new Guide(keyStyle, temporal, weights.temporal()),
                new Guide(keyPositional, positional, weights.positional()));
    }

    /**
     * Nearest-neighbour warp onto the next frame, rounded to 8 bits as the reference's uint8 guide images, then
     * occluded pixels filled by Telea inpainting.
     */
    private FloatImage carry(FloatImage image, FrameFlows.Step step) {
        FloatImage warped = Warp.nearest(image, step.flow());
        for (int i = 0; i < warped.data.length; i++) {
            warped.data[i] = FloatImage.to8(warped.data[i]);
        }
        return Inpaint.telea(warped, step.occluded(), weights.inpaintRadius());
    }
}
