// FFmpeg's own console logging: by default it prints container details for every opened file; the CLI keeps only errors.
package rerender.video.io;

import org.bytedeco.ffmpeg.global.avutil;

public final class NativeLogs {
    private NativeLogs() {
    }

    /** Only FFmpeg errors reach stderr (our own messages say what went wrong, in one line). */
    public static void errorsOnly() {
        avutil.av_log_set_level(avutil.AV_LOG_ERROR);
    }

    /** FFmpeg's default verbosity, for --verbose runs. */
    public static void verbose() {
        avutil.av_log_set_level(avutil.AV_LOG_INFO);
    }
}
