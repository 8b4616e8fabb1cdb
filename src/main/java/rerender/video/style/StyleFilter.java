// A deterministic per-frame stylisation: a pure function of one frame, no temporal information. Used to make the
// bundled sample's stylised key frames and as ground truth for the propagation quality benchmark.
package rerender.video.style;

import rerender.video.FloatImage;

import java.util.List;

public interface StyleFilter {
    /** Lookup name ("cartoon", "painterly", "cv-stylization"). */
    String name();

    /** RGB [H, W, 3] 0..255 -> RGB [H, W, 3] 0..255; never modifies its input. */
    FloatImage apply(FloatImage rgb);

    /** The names {@link #byName} knows. */
    static List<String> names() {
        return List.of(CartoonFilter.NAME, PainterlyFilter.NAME, CvStylization.NAME);
    }

    /** A new filter with default parameters; unknown names throw with the list of known ones. */
    static StyleFilter byName(String name) {
        return switch (name) {
            case CartoonFilter.NAME -> new CartoonFilter();
            case PainterlyFilter.NAME -> new PainterlyFilter();
            case CvStylization.NAME -> new CvStylization();
            default -> throw new IllegalArgumentException("unknown style filter '" + name + "', known: " + names());
        };
    }

    static void requireRgb(FloatImage img, String filter) {
        if (img.channels != 3) {
            throw new IllegalArgumentException(filter + " needs an RGB image, got " + img.channels + " channels ("
                    + img.width + "x" + img.height + ")");
        }
    }
}
