// Occlusion masks by the forward-backward consistency check of the reference (GMFlow's
// forward_backward_consistency_check): a pixel is occluded when following the flow there and back does not return
// to it: |f_fwd + warp(f_bwd, f_fwd)| > alpha·(|f_fwd| + |f_bwd|) + beta, and symmetrically for f_bwd.
package rerender.video.flow;

import rerender.video.FloatImage;

/**
 * @param forward  [H, W, 1] on a's grid, 1 = a's pixel has no reliable match in b (occluded in b), else 0
 * @param backward [H, W, 1] on b's grid, 1 = b's pixel has no reliable match in a; this is the mask of
 *                 Warp.bilinear(a, flow(b -> a)), the reference's "bwd_occ"
 */
public record Occlusion(FloatImage forward, FloatImage backward) {
    public static final float ALPHA = 0.01f;
    public static final float BETA = 0.5f;

    /** The reference check with alpha 0.01, beta 0.5. */
    public static Occlusion check(FlowPair flows) {
        return check(flows, ALPHA, BETA);
    }

    public static Occlusion check(FlowPair flows, float alpha, float beta) {
        Flow fwd = flows.forward(), bwd = flows.backward();
        Flow warpedBwd = Warp.bilinear(bwd, fwd); // f_bwd at a's pixels' destinations, on a's grid
        Flow warpedFwd = Warp.bilinear(fwd, bwd);
        int n = fwd.width * fwd.height;
        FloatImage occF = new FloatImage(fwd.width, fwd.height, 1);
        FloatImage occB = new FloatImage(fwd.width, fwd.height, 1);
        for (int i = 0; i < n; i++) {
            // the threshold uses |f_fwd| + |f_bwd| at the same pixel index, as the reference does
            float mag = norm(fwd.data[2 * i], fwd.data[2 * i + 1]) + norm(bwd.data[2 * i], bwd.data[2 * i + 1]);
            float threshold = alpha * mag + beta;
            float diffF = norm(fwd.data[2 * i] + warpedBwd.data[2 * i], fwd.data[2 * i + 1] + warpedBwd.data[2 * i + 1]);
            float diffB = norm(bwd.data[2 * i] + warpedFwd.data[2 * i], bwd.data[2 * i + 1] + warpedFwd.data[2 * i + 1]);
            occF.data[i] = diffF > threshold ? 1f : 0f;
            occB.data[i] = diffB > threshold ? 1f : 0f;
        }
        return new Occlusion(occF, occB);
    }

    private static float norm(float x, float y) {
        return (float) Math.sqrt(x * x + y * y);
    }
}
