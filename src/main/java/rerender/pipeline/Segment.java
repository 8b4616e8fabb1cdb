// One propagation segment: the frames between two neighbouring key frames (SPEC §5).
package rerender.pipeline;

/**
 * @param first the earlier key frame k (forward synthesis starts here)
 * @param last  the later key frame k' (backward synthesis starts here), > first
 */
public record Segment(int first, int last) {
    public Segment {
        if (first < 0 || last <= first) {
            throw new IllegalArgumentException("bad segment " + first + ".." + last);
        }
    }

    /** Key interval K = k' − k; the segment has K − 1 in-between frames. */
    public int length() {
        return last - first;
    }

    public int inBetweenCount() {
        return last - first - 1;
    }

    /** Name used for the segment's folder in the work directory. */
    public String name() {
        return String.format("seg_%04d_%04d", first, last);
    }
}
