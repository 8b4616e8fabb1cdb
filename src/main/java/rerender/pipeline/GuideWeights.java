// Weights of the four guides of video propagation and the inpainting radius of the warped guides (SPEC §5; the
// reference's video_blend.py passes weights 6, 0.5, 0.5, 2 and inpaints with Telea, radius 30).
package rerender.pipeline;

/**
 * @param colour        input frame of the key vs input frame to make, ≥ 0 (default 6)
 * @param edges         3x3 Laplacian of both input frames, ≥ 0 (default 0.5)
 * @param temporal      key's stylised image vs the previous output of the pass warped to this frame, ≥ 0 (default 0.5)
 * @param positional    coordinate image vs that image carried along the flow chain, ≥ 0 (default 2)
 * @param inpaintRadius Telea radius in pixels for occluded pixels of the warped guides, > 0 (default 30)
 */
public record GuideWeights(float colour, float edges, float temporal, float positional, double inpaintRadius) {
    public static final GuideWeights REFERENCE = new GuideWeights(6f, 0.5f, 0.5f, 2f, 30);

    public GuideWeights {
        for (float w : new float[]{colour, edges, temporal, positional}) {
            if (!(w >= 0) || Float.isInfinite(w)) {
                throw new IllegalArgumentException("guide weights must be finite and >= 0, got " + w);
            }
        }
        if (!(inpaintRadius > 0) || Double.isInfinite(inpaintRadius)) {
            throw new IllegalArgumentException("inpaint radius must be > 0, got " + inpaintRadius);
        }
    }
}
