// Which frames are key frames and which segments (pairs of neighbouring keys) propagation fills (SPEC §2, §5).
package rerender.pipeline;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Frames are numbered 0..frameCount−1. Frame 0 and the last frame must be keys ([ours]: no tail is lost); keys may
 * be spaced unevenly. Segment i covers keys[i]..keys[i+1]; its in-between frames are keys[i]+1..keys[i+1]−1.
 *
 * @param frameCount number of frames of the (prepared, range-selected) video, ≥ 2
 * @param keys       strictly increasing key frame indices, first 0, last frameCount−1
 */
public record PropagationPlan(int frameCount, int[] keys) {
    public PropagationPlan {
        if (frameCount < 2) {
            throw new IllegalArgumentException("the video has " + frameCount + " frame(s); propagation needs at least 2");
        }
        keys = keys.clone();
        if (keys.length < 2) {
            throw new IllegalArgumentException("at least two key frames are needed (frame 0 and the last frame)");
        }
        for (int i = 1; i < keys.length; i++) {
            if (keys[i] <= keys[i - 1]) {
                throw new IllegalArgumentException("key frames must be strictly increasing, got " + keys[i - 1]
                        + " then " + keys[i]);
            }
        }
        if (keys[0] != 0) {
            throw new IllegalArgumentException("frame 0 must be a key frame (first key given: " + keys[0] + ")");
        }
        int last = frameCount - 1;
        if (keys[keys.length - 1] > last) {
            throw new IllegalArgumentException("key frame " + keys[keys.length - 1] + " is past the last frame "
                    + last + " of the video");
        }
        if (keys[keys.length - 1] != last) {
            throw new IllegalArgumentException("the last frame " + last + " must be a key frame (last key given: "
                    + keys[keys.length - 1] + ")");
        }
    }

    /** Keys 0, K, 2K, … and the last frame. */
    public static PropagationPlan everyKth(int frameCount, int interval) {
        if (interval < 2) {
            throw new IllegalArgumentException("--interval must be at least 2, got " + interval);
        }
        if (frameCount < 2) {
            throw new IllegalArgumentException("the video has " + frameCount + " frame(s); propagation needs at least 2");
        }
        List<Integer> keys = new ArrayList<>();
        for (int k = 0; k < frameCount - 1; k += interval) {
            keys.add(k);
        }
        keys.add(frameCount - 1);
        return new PropagationPlan(frameCount, keys.stream().mapToInt(Integer::intValue).toArray());
    }

    @Override
    public int[] keys() {
        return keys.clone();
    }

    public boolean isKey(int frame) {
        return Arrays.binarySearch(keys, frame) >= 0;
    }

    public List<Segment> segments() {
        List<Segment> out = new ArrayList<>(keys.length - 1);
        for (int i = 0; i + 1 < keys.length; i++) {
            out.add(new Segment(keys[i], keys[i + 1]));
        }
        return out;
    }

    /** Number of in-between (synthesised) frames over all segments. */
    public int inBetweenCount() {
        return frameCount - keys.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PropagationPlan p && p.frameCount == frameCount && Arrays.equals(p.keys, keys);
    }

    @Override
    public int hashCode() {
        return 31 * frameCount + Arrays.hashCode(keys);
    }

    @Override
    public String toString() {
        return "PropagationPlan[" + frameCount + " frames, keys " + Arrays.toString(keys) + "]";
    }
}
