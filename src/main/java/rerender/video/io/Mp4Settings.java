// H.264 encoding settings of the output video (libx264, yuv420p, constant rate factor).
package rerender.video.io;

import java.util.Set;

/**
 * @param crf    x264 constant rate factor, 0 (lossless) .. 51 (worst); 18 (default) is visually near-lossless
 * @param preset x264 speed/size preset: ultrafast .. veryslow (default "medium")
 */
public record Mp4Settings(int crf, String preset) {
    public static final Set<String> PRESETS = Set.of("ultrafast", "superfast", "veryfast", "faster", "fast", "medium",
            "slow", "slower", "veryslow", "placebo");
    public static final Mp4Settings DEFAULT = new Mp4Settings(18, "medium");

    public Mp4Settings {
        if (crf < 0 || crf > 51) {
            throw new IllegalArgumentException("crf must be in 0..51, got " + crf);
        }
        if (preset == null || !PRESETS.contains(preset)) {
            throw new IllegalArgumentException("unknown x264 preset '" + preset + "', expected one of " + PRESETS);
        }
    }
}
