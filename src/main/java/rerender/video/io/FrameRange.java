// Which frames of a source to read: `count` frames starting at frame `first` (0-based); count ALL = to the end.
package rerender.video.io;

public record FrameRange(int first, int count) {
    public static final int ALL = Integer.MAX_VALUE;
    public static final FrameRange EVERYTHING = new FrameRange(0, ALL);

    public FrameRange {
        if (first < 0) {
            throw new IllegalArgumentException("first frame must be >= 0, got " + first);
        }
        if (count <= 0) {
            throw new IllegalArgumentException("frame count must be > 0 (or ALL), got " + count);
        }
    }

    public boolean isAll() {
        return count == ALL;
    }

    /** Frames actually selected from a source holding {@code available} frames. */
    public int selectedFrom(int available) {
        return Math.max(0, Math.min(count, available - first));
    }
}
