// The DCT solver against conjugate gradients on the same normal equations, the equations' residual, and the
// gradient-fitting limit of a tiny data weight.
package rerender.video.blend;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DctPoissonSolverTest {
    private static double[] random(int len, long seed, double scale) {
        Random rnd = new Random(seed);
        double[] a = new double[len];
        for (int i = 0; i < len; i++) {
            a[i] = scale * rnd.nextGaussian();
        }
        return a;
    }

    private static float[] toFloat(double[] a) {
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            f[i] = (float) a[i];
        }
        return f;
    }

    private static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }

    private static double norm(double[] a) {
        double s = 0;
        for (double v : a) {
            s += v * v;
        }
        return Math.sqrt(s);
    }

    @ParameterizedTest
    @CsvSource({"13,17,6.25", "16,12,0.25", "1,9,6.25", "7,1,1", "1,1,3", "37,10,6.25", "8,8,0"})
    void matchesConjugateGradientsAndSatisfiesNormalEquations(int w, int h, double lambda) {
        double[] rhs = random(w * h, w * 31L + h, 50);
        double[] fast = toDouble(new DctPoissonSolver(w, h).solve(toFloat(rhs), lambda));
        double[] ref = ReferencePoissonSolver.solve(rhs, lambda, w, h, 1e-13);
        double[] diff = new double[rhs.length];
        for (int i = 0; i < diff.length; i++) {
            diff[i] = fast[i] - ref[i];
        }
        // float arithmetic in the transforms: ~1e-6 relative
        assertTrue(norm(diff) / norm(ref) < 1e-5, "relative difference to CG " + norm(diff) / norm(ref));
        double[] res = GridDifferences.applyNormal(fast, lambda, h, w);
        for (int i = 0; i < res.length; i++) {
            res[i] -= rhs[i];
        }
        assertTrue(norm(res) / norm(rhs) < 1e-5, "normal-equation residual " + norm(res) / norm(rhs));
    }

    @Test
    void tinyDataWeightReproducesIntegrableGradients() {
        int w = 19, h = 14;
        double[] target = random(w * h, 5, 40);       // an image whose gradients we prescribe
        double[] gv = new double[w * h], gh = new double[w * h];
        for (int i = 0; i < h; i++) {
            for (int j = 0; j < w; j++) {
                int p = i * w + j;
                gv[p] = i < h - 1 ? target[p] - target[p + w] : 0;
                gh[p] = j < w - 1 ? target[p] - target[p + 1] : 0;
            }
        }
        // gradient weight ≫ data weight 1; data term = 0 image. The lowest mode is damped by 1/(1 + λ·0.027) ≈ 0.4%;
        // λ much larger makes the system too ill-conditioned for float transforms
        double lambda = 1e4;
        double[] rhs = GridDifferences.adjoint(gv, gh, h, w);
        for (int i = 0; i < rhs.length; i++) {
            rhs[i] *= lambda;
        }
        double[] x = toDouble(new DctPoissonSolver(w, h).solve(toFloat(rhs), lambda));
        // x = target − mean(target): the gradients fix x up to a constant, the data term picks mean 0
        double mean = 0;
        for (double v : target) {
            mean += v / target.length;
        }
        for (int p = 0; p < x.length; p++) {
            assertEquals(target[p] - mean, x[p], 5e-2, "at " + p); // values ~±100
        }
    }

    @Test
    void zeroLambdaIsIdentity() {
        double[] rhs = random(6 * 11, 9, 3);
        float[] x = new DctPoissonSolver(6, 11).solve(toFloat(rhs), 0);
        for (int i = 0; i < rhs.length; i++) {
            assertEquals(rhs[i], x[i], 1e-5);
        }
    }
}
