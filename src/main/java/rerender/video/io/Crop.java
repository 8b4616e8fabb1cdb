// Pixels removed from each border of a frame before resizing (SPEC §2; reference setting `crop [l, r, t, b]`).
package rerender.video.io;

public record Crop(int left, int right, int top, int bottom) {
    public static final Crop NONE = new Crop(0, 0, 0, 0);

    public Crop {
        if (left < 0 || right < 0 || top < 0 || bottom < 0) {
            throw new IllegalArgumentException("crop values must be >= 0, got l=" + left + " r=" + right + " t=" + top + " b=" + bottom);
        }
    }

    public int croppedWidth(int width) {
        int w = width - left - right;
        if (w <= 0) {
            throw new IllegalArgumentException("crop left " + left + " + right " + right + " leaves nothing of width " + width);
        }
        return w;
    }

    public int croppedHeight(int height) {
        int h = height - top - bottom;
        if (h <= 0) {
            throw new IllegalArgumentException("crop top " + top + " + bottom " + bottom + " leaves nothing of height " + height);
        }
        return h;
    }

    public boolean isNone() {
        return left == 0 && right == 0 && top == 0 && bottom == 0;
    }
}
