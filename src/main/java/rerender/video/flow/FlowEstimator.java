// Computes dense optical flow between two frames in both directions (DIS by default; a neural flow can plug in).
package rerender.video.flow;

import rerender.video.FloatImage;

public interface FlowEstimator {
    /** Flow between same-sized RGB frames a and b: forward = flow(a -> b), backward = flow(b -> a). */
    FlowPair estimate(FloatImage a, FloatImage b);

    /** Identifies the method and all its settings; part of flow cache keys, so it must change when results would. */
    String id();
}
