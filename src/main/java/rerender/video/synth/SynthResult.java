// The output of one guided patch synthesis: the synthesised image, its per-pixel patch error and the final NNF.
package rerender.video.synth;

import rerender.video.FloatImage;

/**
 * @param image [Ht, Wt, Cstyle] the synthesised target, values in the style's range.
 * @param error [Ht * Wt] per target pixel: the weighted patch SSD (guides + style term, no uniformity term) of
 *              the final nearest-neighbour field, evaluated against the final image. Same units as EbSynth's E:
 *              Σ over the patch's pixels and channels of w_c · (difference in 0..255 units)².
 * @param nnf   [Ht * Wt * 2] per target pixel the (x, y) centre of its source patch.
 */
public record SynthResult(FloatImage image, float[] error, int[] nnf) {
}
