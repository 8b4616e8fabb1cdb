// DIS flow must be a pure function of the two frames: resume and caching rely on recomputation giving the same flow.
package rerender.video.flow;

import org.junit.jupiter.api.Test;
import rerender.video.FloatImage;
import rerender.video.io.VideoReadOptions;
import rerender.video.io.VideoSource;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

class DisFlowDeterminismTest {
    @Test
    void repeatedEstimatesOnRealFramesAreIdentical() throws Exception {
        List<FloatImage> frames;
        try (VideoSource src = VideoSource.open(Path.of("sample/clip.mp4"), VideoReadOptions.DEFAULT)) {
            frames = src.readAll();
        }
        FloatImage a = frames.get(0), b = frames.get(4), c = frames.get(12);
        FlowPair first = DisFlow.DEFAULT.estimate(a, b);
        for (int i = 0; i < 3; i++) {
            DisFlow.DEFAULT.estimate(b, c); // other work in between must not leak into the next estimate
            FlowPair again = DisFlow.DEFAULT.estimate(a, b);
            assertArrayEquals(first.forward().data, again.forward().data, "forward flow, repeat " + i);
            assertArrayEquals(first.backward().data, again.backward().data, "backward flow, repeat " + i);
        }
    }
}
