// One guide pair of guided patch synthesis: a source-side image aligned with the style exemplar and a target-side
// image aligned with the frame to synthesise (EbSynth's "-guide source target -weight w").
package rerender.video.synth;

import rerender.video.FloatImage;

/**
 * @param source guide on the exemplar side, same size as the style image; any channel count, values 0..255.
 * @param target guide on the side being synthesised; same channel count as {@code source}.
 * @param weight total weight of this guide in the patch cost, ≥ 0; spread evenly over its channels (EbSynth).
 */
public record Guide(FloatImage source, FloatImage target, float weight) {
    public Guide {
        if (source == null || target == null) {
            throw new IllegalArgumentException("guide images must not be null");
        }
        if (source.channels != target.channels) {
            throw new IllegalArgumentException("guide source has " + source.channels + " channels but target has "
                    + target.channels);
        }
        if (!(weight >= 0) || Float.isInfinite(weight)) {
            throw new IllegalArgumentException("guide weight must be finite and >= 0, got " + weight);
        }
    }
}
