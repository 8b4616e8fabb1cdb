// Synthetic test images for the blend tests: smooth colour ramps with texture, deterministic by seed.
package rerender.video.blend;

import rerender.video.FloatImage;

import java.util.Random;

final class BlendImages {
    private BlendImages() {
    }

    /** Smooth ramps + sinusoidal texture + mild noise; neighbour differences stay well under the ±100 clip. */
    static FloatImage textured(int w, int h, long seed) {
        Random rnd = new Random(seed);
        double fx = 0.1 + 0.3 * rnd.nextDouble(), fy = 0.1 + 0.3 * rnd.nextDouble();
        double[] base = {40 + 150 * rnd.nextDouble(), 40 + 150 * rnd.nextDouble(), 40 + 150 * rnd.nextDouble()};
        FloatImage img = new FloatImage(w, h, 3);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < 3; c++) {
                    double v = base[c] + 30 * Math.sin(fx * x + c) * Math.cos(fy * y - c) + 20.0 * (x - y) / (w + h)
                            + 4 * rnd.nextGaussian();
                    img.set(x, y, c, (float) Math.clamp(v, 0, 255));
                }
            }
        }
        return img;
    }

    static boolean[] randomMask(int n, long seed) {
        Random rnd = new Random(seed);
        boolean[] m = new boolean[n];
        for (int i = 0; i < n; i++) {
            m[i] = rnd.nextBoolean();
        }
        return m;
    }
}
