// Dense flow between two frames a and b in both directions.
package rerender.video.flow;

/**
 * @param forward  flow(a -> b), on a's grid: a's pixel p is at p + forward(p) in b.
 *                 Warp.bilinear(b, forward) is b aligned with a.
 * @param backward flow(b -> a), on b's grid: b's pixel p is at p + backward(p) in a.
 *                 Warp.bilinear(a, backward) is a aligned with b (the reference warps key frames this way).
 */
public record FlowPair(Flow forward, Flow backward) {
    public FlowPair {
        if (!forward.sameSize(backward)) {
            throw new IllegalArgumentException("forward flow " + forward.width + "x" + forward.height
                    + " and backward flow " + backward.width + "x" + backward.height + " differ in size");
        }
    }

    /** The same pair seen from b: flow(b -> a) becomes the forward flow. */
    public FlowPair reversed() {
        return new FlowPair(backward, forward);
    }
}
