// Loads the stylised key frames from a folder: files named by 0-based frame index, four digits (0010.png / 0010.jpg).
package rerender.pipeline;

import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;
import rerender.video.FloatImage;
import rerender.video.io.CvMats;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LANCZOS4;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

/**
 * A key image of another size than the frames is resized (area down, Lanczos up, like frame preparation) when its
 * aspect ratio matches within {@link #ASPECT_TOLERANCE}, with a warning; any other aspect is an error.
 */
public final class KeyImages {
    /** Relative aspect difference accepted: frame sides are rounded to multiples of 64, so a few percent. */
    public static final double ASPECT_TOLERANCE = 0.03;
    private static final String[] EXTENSIONS = {".png", ".jpg", ".jpeg"};

    private KeyImages() {
    }

    /** The file of key {@code frame} in {@code dir}, or null if there is none. */
    public static Path find(Path dir, int frame) {
        for (String ext : EXTENSIONS) {
            Path p = dir.resolve(String.format("%04d%s", frame, ext));
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        return null;
    }

    /** Checks that every key of the plan has a file (naming all missing ones), before anything is computed. */
    public static void requireAll(Path dir, PropagationPlan plan) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException("key folder " + dir + " does not exist or is not a folder");
        }
        StringBuilder missing = new StringBuilder();
        int count = 0;
        for (int k : plan.keys()) {
            if (find(dir, k) == null) {
                missing.append(count++ == 0 ? "" : ", ").append(String.format("%04d", k));
            }
        }
        if (count > 0) {
            throw new IOException("missing key image" + (count > 1 ? "s " : " ") + missing + " (.png or .jpg) in " + dir);
        }
    }

    /** Reads all keys of the plan at the frame size (width x height) -> frame index -> [H, W, 3] RGB 0..255. */
    public static Map<Integer, FloatImage> load(Path dir, PropagationPlan plan, int width, int height,
                                                Consumer<String> warnings) throws IOException {
        requireAll(dir, plan);
        Map<Integer, FloatImage> out = new LinkedHashMap<>();
        for (int k : plan.keys()) {
            out.put(k, loadOne(dir, k, width, height, warnings));
        }
        return out;
    }

    /** Reads key {@code frame} at the frame size (width x height) -> [H, W, 3] RGB 0..255; the same every call. */
    public static FloatImage loadOne(Path dir, int frame, int width, int height, Consumer<String> warnings)
            throws IOException {
        Path p = find(dir, frame);
        if (p == null) {
            throw new IOException("missing key image " + String.format("%04d", frame) + " (.png or .jpg) in " + dir);
        }
        return fit(FloatImage.read(p), width, height, p, warnings);
    }

    static FloatImage fit(FloatImage img, int width, int height, Path source, Consumer<String> warnings)
            throws IOException {
        if (img.channels != 3) {
            throw new IOException("key image " + source + " has " + img.channels + " channel(s), expected RGB");
        }
        if (img.width == width && img.height == height) {
            return img;
        }
        double aspect = img.width / (double) img.height, target = width / (double) height;
        if (Math.abs(aspect / target - 1) > ASPECT_TOLERANCE) {
            throw new IOException("key image " + source + " is " + img.width + "x" + img.height
                    + ", another aspect ratio than the frames (" + width + "x" + height + ")");
        }
        warnings.accept("key image " + source.getFileName() + " is " + img.width + "x" + img.height
                + "; resized to the frame size " + width + "x" + height);
        return resized(img, width, height);
    }

    /** Area interpolation to shrink, Lanczos to enlarge (as SPEC §2 frame preparation). */
    static FloatImage resized(FloatImage img, int width, int height) {
        boolean up = (long) width * height > (long) img.width * img.height;
        try (Mat src = CvMats.toMat8(img); Mat dst = new Mat()) {
            resize(src, dst, new Size(width, height), 0, 0, up ? INTER_LANCZOS4 : INTER_AREA);
            return CvMats.fromMat8(dst);
        }
    }
}
