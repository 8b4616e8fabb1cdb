// Reads a folder of numbered frames (png/jpg), ordered by the number in the file name (2.png before 10.png).
package rerender.video.io;

import rerender.video.FloatImage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

final class FrameFolderSource implements VideoSource {
    private static final Pattern LAST_NUMBER = Pattern.compile("(\\d+)(?!.*\\d)");

    private final List<Path> files;
    private final VideoInfo info;
    private final VideoReadOptions options;
    private final int count;
    private final int[] frameSize;
    private int returned;

    private FrameFolderSource(List<Path> files, VideoInfo info, VideoReadOptions options) {
        this.files = files;
        this.info = info;
        this.options = options;
        this.count = options.range().selectedFrom(files.size());
        this.frameSize = options.preparation().outputSize(info.width(), info.height());
    }

    static FrameFolderSource open(Path dir, VideoReadOptions options) throws IOException {
        List<Path> files = numberedFrames(dir);
        if (files.isEmpty()) {
            throw new IOException("no numbered .png/.jpg frames in folder " + dir);
        }
        if (options.range().first() >= files.size()) {
            throw new IOException("first frame " + options.range().first() + " is past the end of " + dir
                    + " (" + files.size() + " frames)");
        }
        FloatImage first = FloatImage.read(files.get(0));
        VideoInfo info = new VideoInfo(dir, first.width, first.height, options.folderFrameRate(), files.size(), false, "");
        try {
            options.preparation().outputSize(info.width(), info.height());
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage() + " (" + dir + ")", e);
        }
        return new FrameFolderSource(files, info, options);
    }

    /** Files named with a number (frame_0001.png, 12.jpg), sorted by the last number in the name. */
    static List<Path> numberedFrames(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile)
                    .filter(p -> {
                        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
                        return (n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg"))
                                && LAST_NUMBER.matcher(n).find();
                    })
                    .sorted(Comparator.comparingLong(FrameFolderSource::frameNumber)
                            .thenComparing(p -> p.getFileName().toString()))
                    .toList();
        } catch (IOException e) {
            throw new IOException("cannot list frame folder " + dir + ": " + e.getMessage(), e);
        }
    }

    private static long frameNumber(Path p) {
        Matcher m = LAST_NUMBER.matcher(p.getFileName().toString());
        if (!m.find()) {
            return Long.MAX_VALUE;
        }
        String digits = m.group(1);
        return digits.length() > 18 ? Long.MAX_VALUE : Long.parseLong(digits);
    }

    @Override
    public VideoInfo info() {
        return info;
    }

    @Override
    public int[] frameSize() {
        return frameSize.clone();
    }

    @Override
    public int frameCount() {
        return count;
    }

    @Override
    public FloatImage next() throws IOException {
        if (returned >= count) {
            return null;
        }
        Path file = files.get(options.range().first() + returned);
        FloatImage img = FloatImage.read(file);
        if (img.width != info.width() || img.height != info.height()) {
            throw new IOException("frame " + file + " is " + img.width + "x" + img.height + ", the folder's first frame is "
                    + info.width() + "x" + info.height());
        }
        returned++;
        return options.preparation().apply(img);
    }

    @Override
    public void close() {
    }
}
