// Receives progress and warnings of a propagation run (the CLI shows a progress bar; tests count events).
package rerender.pipeline;

public interface ProgressListener {
    /** Total number of units (frames synthesised: each in-between frame counts once per direction). */
    default void begin(long totalUnits) {
    }

    default void advance(long units) {
    }

    default void warn(String message) {
    }

    default void info(String message) {
    }

    /** A segment's stored result was verified and reused instead of being computed. */
    default void segmentReused(Segment segment) {
    }

    /** A segment was computed (fresh, or because its stored result failed verification). */
    default void segmentComputed(Segment segment) {
    }

    default void end() {
    }

    ProgressListener NONE = new ProgressListener() {
    };
}
