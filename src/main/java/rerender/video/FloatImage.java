// A float image, interleaved channels (row-major H x W x C), values in the 0..255 range unless stated otherwise.
// The common currency of the video layer: decoding, flow, patch synthesis and blending all speak it.
package rerender.video;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

public final class FloatImage {
    public final int width;
    public final int height;
    public final int channels;
    /** [H, W, C] interleaved. */
    public final float[] data;

    /** Temporary files that become results get ordinary permissions (rw-r--r--), not createTempFile's owner-only default. */
    public static final java.nio.file.attribute.FileAttribute<?> PUBLIC_FILE =
            java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    /** Same for folders (rwxr-xr-x). */
    public static final java.nio.file.attribute.FileAttribute<?> PUBLIC_DIR =
            java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));

    public FloatImage(int width, int height, int channels) {
        this(width, height, channels, new float[checkedSize(width, height, channels)]);
    }

    public FloatImage(int width, int height, int channels, float[] data) {
        if (data.length != checkedSize(width, height, channels)) {
            throw new IllegalArgumentException("data length " + data.length + " != " + width + "x" + height + "x" + channels);
        }
        this.width = width;
        this.height = height;
        this.channels = channels;
        this.data = data;
    }

    private static int checkedSize(int width, int height, int channels) {
        if (width <= 0 || height <= 0 || channels <= 0) {
            throw new IllegalArgumentException("bad image size " + width + "x" + height + "x" + channels);
        }
        return Math.multiplyExact(Math.multiplyExact(width, height), channels);
    }

    public int index(int x, int y, int c) {
        return (y * width + x) * channels + c;
    }

    public float get(int x, int y, int c) {
        return data[(y * width + x) * channels + c];
    }

    public void set(int x, int y, int c, float v) {
        data[(y * width + x) * channels + c] = v;
    }

    public boolean sameSize(FloatImage o) {
        return width == o.width && height == o.height;
    }

    public FloatImage copy() {
        return new FloatImage(width, height, channels, data.clone());
    }

    public FloatImage filled(float v) {
        Arrays.fill(data, v);
        return this;
    }

    /** 8-bit RGB (or grey) BufferedImage -> 3-channel (or 1-channel) float image in 0..255. */
    public static FloatImage fromBuffered(BufferedImage img) {
        int w = img.getWidth(), h = img.getHeight();
        FloatImage out = new FloatImage(w, h, 3);
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            img.getRGB(0, y, w, 1, row, 0, w);
            for (int x = 0; x < w; x++) {
                int p = row[x], i = (y * w + x) * 3;
                out.data[i] = (p >> 16) & 255;
                out.data[i + 1] = (p >> 8) & 255;
                out.data[i + 2] = p & 255;
            }
        }
        return out;
    }

    /** Rounds and clamps to 8 bits. 1 channel -> grey, 3 channels -> RGB. */
    public BufferedImage toBuffered() {
        if (channels != 3 && channels != 1) {
            throw new IllegalStateException("only 1- or 3-channel images convert to 8-bit, got " + channels);
        }
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        int[] row = new int[width];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int i = (y * width + x) * channels;
                int r = to8(data[i]);
                int g = channels == 3 ? to8(data[i + 1]) : r;
                int b = channels == 3 ? to8(data[i + 2]) : r;
                row[x] = (r << 16) | (g << 8) | b;
            }
            img.setRGB(0, y, width, 1, row, 0, width);
        }
        return img;
    }

    public static int to8(float v) {
        int r = Math.round(v);
        return r < 0 ? 0 : Math.min(r, 255);
    }

    /** Reads a PNG or JPEG; fails with the path in the message when the file is missing or not an image. */
    public static FloatImage read(Path path) throws IOException {
        BufferedImage img;
        try {
            img = javax.imageio.ImageIO.read(path.toFile());
        } catch (IOException e) {
            throw new IOException("cannot read image " + path + ": " + e.getMessage(), e);
        }
        if (img == null) {
            throw new IOException("not a readable image: " + path);
        }
        return fromBuffered(img);
    }

    /** Writes a lossless PNG atomically (temporary file, then rename), so a crash never leaves a half-written file. */
    public void writePng(Path path) throws IOException {
        Path dir = path.toAbsolutePath().getParent();
        if (dir != null) {
            java.nio.file.Files.createDirectories(dir);
        }
        Path tmp = java.nio.file.Files.createTempFile(dir, "." + path.getFileName(), ".tmp", PUBLIC_FILE);
        try {
            if (!javax.imageio.ImageIO.write(toBuffered(), "png", tmp.toFile())) {
                throw new IOException("no PNG writer");
            }
            rerender.files.AtomicFiles.publish(tmp, path);
        } finally {
            java.nio.file.Files.deleteIfExists(tmp);
        }
    }
}
