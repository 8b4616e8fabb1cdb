// Seeded standard-normal noise: java.util.SplittableRandom doubles turned into normals by the Box-Muller transform.
// Reproducible across runs and machines for a given seed; not bit-equal to torch.randn (use --init-noise for that).
package rerender.diffusion.sampling;

import rerender.tensor.Tensor;

import java.util.SplittableRandom;

public final class GaussianNoise {
    private final SplittableRandom random;

    public GaussianNoise(long seed) {
        random = new SplittableRandom(seed);
    }

    /** The next tensor of independent N(0, 1) values with the given shape (consumes the stream). */
    public Tensor next(int... shape) {
        Tensor t = Tensor.zeros(shape);
        float[] d = t.data();
        for (int i = 0; i < d.length; i += 2) {
            double u1 = 1.0 - random.nextDouble(); // (0, 1]: log is finite
            double u2 = random.nextDouble();
            double r = Math.sqrt(-2.0 * Math.log(u1));
            d[i] = (float) (r * Math.cos(2 * Math.PI * u2));
            if (i + 1 < d.length) {
                d[i + 1] = (float) (r * Math.sin(2 * Math.PI * u2));
            }
        }
        return t;
    }
}
