// Timing bench of one guided synthesis at 512x640 with Rerender's four guides (10 guide channels + 3 style),
// on a real frame pair of a sample clip. Not part of the pipeline.
package rerender.video.synth;

import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.Java2DFrameConverter;
import rerender.video.FloatImage;

/**
 * Usage: SynthBench [video] [runs=2] [threads=2] [frameGap=5] [searchVoteIterations=12] [stopThreshold=default]. Decodes frame 0 (the key) and frame frameGap (the
 * target), scales both to 512 wide x 640 high, makes a "style" by a local filter of the key (a colour map plus a
 * 3x3 box blur) and synthesises the target. Guides as the propagation builds them, minus the optical flow: colour
 * (weight 6), grey Laplacian edges (0.5, 1 channel), temporal = the key's style on both sides (0.5), positional =
 * the coordinate image on both sides (2). Prints each run's seconds, the best, and the PSNR against the same
 * filter applied to the target frame (a rough quality figure: the real pipeline warps the temporal and positional
 * guides with the flow, which this bench does not).
 */
public final class SynthBench {
    private SynthBench() {
    }

    public static void main(String[] args) throws Exception {
        Path video = Path.of(args.length > 0 ? args[0]
                : "/work/shared/data/videos/pexels-antoni-shkraba-8048492-540x960-25fps.mp4");
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        int gap = args.length > 3 ? Integer.parseInt(args[3]) : 5;
        int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 12;
        float stop = args.length > 5 ? Float.parseFloat(args[5]) : SynthParams.defaults().stopThreshold();
        if (!Files.isRegularFile(video)) {
            throw new IllegalArgumentException("no video at " + video);
        }
        FloatImage[] frames = decode(video, gap, 512, 640);
        FloatImage key = frames[0], target = frames[1];
        FloatImage style = filter(key), truth = filter(target);
        FloatImage pos = GuideImages.positional(512, 640);
        List<Guide> guides = List.of(
                new Guide(key, target, 6f),
                new Guide(GuideImages.laplacianEdges(grey(key)), GuideImages.laplacianEdges(grey(target)), 0.5f),
                new Guide(style, style, 0.5f),
                new Guide(pos, pos, 2f));
        SynthParams params = SynthParams.defaults().withIterations(6, rounds).withStopThreshold(stop);
        double best = Double.MAX_VALUE;
        SynthResult result = null;
        try (ForkJoinPool pool = new ForkJoinPool(threads)) {
            for (int i = 0; i < runs; i++) {
                long t0 = System.nanoTime(), c0 = cpuNanos();
                result = PatchSynthesis.synthesize(style, guides, params, pool);
                double s = (System.nanoTime() - t0) / 1e9, cpu = (cpuNanos() - c0) / 1e9;
                best = Math.min(best, s);
                System.out.printf("run %d: %.2f s wall, %.2f s CPU (process), image hash %08x%n", i, s, cpu,
                        java.util.Arrays.hashCode(result.image().data));
            }
        }
        System.out.printf("best of %d: %.2f s (512x640, %d threads); PSNR vs filtered target %.2f dB "
                + "(key itself: %.2f dB)%n", runs, best, threads, psnr(result.image(), truth), psnr(style, truth));
    }

    /** CPU time of the whole process (all threads): on a busy machine, CPU / threads estimates the unloaded wall time. */
    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** Frames 0 and gap, centre-cropped to the aspect w:h and scaled to w x h. */
    static FloatImage[] decode(Path video, int gap, int w, int h) throws Exception {
        FloatImage[] out = new FloatImage[2];
        try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(video.toFile());
             Java2DFrameConverter conv = new Java2DFrameConverter()) {
            grabber.start();
            for (int i = 0; i <= gap; i++) {
                Frame f = grabber.grabImage();
                if (f == null) {
                    throw new IllegalStateException(video + " has fewer than " + (gap + 1) + " frames");
                }
                if (i == 0 || i == gap) {
                    out[i == 0 ? 0 : 1] = FloatImage.fromBuffered(scale(conv.convert(f), w, h));
                }
            }
            grabber.stop();
        }
        return out;
    }

    private static BufferedImage scale(BufferedImage src, int w, int h) {
        double aspect = (double) w / h;
        int cw = src.getWidth(), ch = src.getHeight();
        if ((double) cw / ch > aspect) {
            cw = (int) Math.round(ch * aspect);
        } else {
            ch = (int) Math.round(cw / aspect);
        }
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        var g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        int x0 = (src.getWidth() - cw) / 2, y0 = (src.getHeight() - ch) / 2;
        g.drawImage(src, 0, 0, w, h, x0, y0, x0 + cw, y0 + ch, null);
        g.dispose();
        return out;
    }

    static FloatImage grey(FloatImage img) {
        FloatImage out = new FloatImage(img.width, img.height, 1);
        for (int p = 0; p < img.width * img.height; p++) {
            out.data[p] = 0.299f * img.data[3 * p] + 0.587f * img.data[3 * p + 1] + 0.114f * img.data[3 * p + 2];
        }
        return out;
    }

    /** The bench's "style": channels rotated and one inverted, then a 3x3 box blur. */
    static FloatImage filter(FloatImage img) {
        FloatImage m = new FloatImage(img.width, img.height, 3);
        for (int p = 0; p < img.width * img.height; p++) {
            m.data[3 * p] = img.data[3 * p + 1];
            m.data[3 * p + 1] = 255 - img.data[3 * p + 2];
            m.data[3 * p + 2] = 0.6f * img.data[3 * p] + 50;
        }
        FloatImage out = new FloatImage(img.width, img.height, 3);
        for (int y = 0; y < img.height; y++) {
            for (int x = 0; x < img.width; x++) {
                for (int c = 0; c < 3; c++) {
                    float s = 0;
                    for (int dy = -1; dy <= 1; dy++) {
                        for (int dx = -1; dx <= 1; dx++) {
                            s += m.get(Math.clamp(x + dx, 0, img.width - 1), Math.clamp(y + dy, 0, img.height - 1), c);
                        }
                    }
                    out.set(x, y, c, s / 9);
                }
            }
        }
        return out;
    }

    static double psnr(FloatImage a, FloatImage b) {
        double se = 0;
        for (int i = 0; i < a.data.length; i++) {
            double d = a.data[i] - b.data[i];
            se += d * d;
        }
        return 10 * Math.log10(255.0 * 255 / (se / a.data.length));
    }
}
