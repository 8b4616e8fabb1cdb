// Poisson blend: the solved channel satisfies the optimality condition of the least-squares problem written out
// independently here; A = B = histogram blend returns A; huge gradient weights reproduce A's gradients.
package rerender.video.blend;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import rerender.video.FloatImage;
import rerender.video.color.Lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PoissonBlendTest {
    @ParameterizedTest
    @CsvSource({"13,17", "16,10", "9,9"})
    void solutionIsStationaryForTheLeastSquaresObjective(int w, int h) {
        FloatImage a = BlendImages.textured(w, h, 11), b = BlendImages.textured(w, h, 12);
        boolean[] mask = BlendImages.randomMask(w * h, 13);
        FloatImage hist = HistogramBlend.blend(a, b, mask, 0.5);
        FloatImage la = Lab.fromRgb(a), lb = Lab.fromRgb(b), lh = Lab.fromRgb(hist);
        PoissonBlend blend = new PoissonBlend(w, h);
        for (int c = 0; c < 3; c++) {
            float[] x = blend.solveChannel(la, lb, lh, mask, c);
            double wc = PoissonBlend.DEFAULT_GRAD_WEIGHTS[c];
            // gradient of E(x) = wc²·Σ_pairs (x_p − x_q − g_pq)² + Σ_p (x_p − h_p)², pair (p, q) with q below/right
            double[] grad = new double[w * h];
            double scale = 0;
            for (int y = 0; y < h; y++) {
                for (int xx = 0; xx < w; xx++) {
                    int p = y * w + xx;
                    FloatImage src = mask[p] ? lb : la;
                    grad[p] += 2 * (x[p] - lh.get(xx, y, c));
                    scale += Math.abs(lh.get(xx, y, c));
                    int[][] nbs = {{xx, y + 1}, {xx + 1, y}};
                    for (int[] nb : nbs) {
                        if (nb[0] >= w || nb[1] >= h) {
                            continue;
                        }
                        int q = nb[1] * w + nb[0];
                        double g = Math.clamp(src.get(xx, y, c) - src.get(nb[0], nb[1], c), -100, 100);
                        double r = x[p] - x[q] - g;
                        grad[p] += 2 * wc * wc * r;
                        grad[q] -= 2 * wc * wc * r;
                    }
                }
            }
            double norm = 0;
            for (double v : grad) {
                norm = Math.max(norm, Math.abs(v));
            }
            // scale = Σ|h|; float transforms leave |dE/dx| ~1e-6 of the data
            assertTrue(norm < 1e-6 * scale, "channel " + c + ": |dE/dx| = " + norm + " vs scale " + scale);
        }
    }

    @Test
    void identicalInputsComeBack() {
        FloatImage a = BlendImages.textured(24, 18, 14);
        FloatImage out = new PoissonBlend(24, 18).blend(a, a.copy(), BlendImages.randomMask(24 * 18, 15), a.copy());
        for (int i = 0; i < a.data.length; i++) {
            assertEquals(a.data[i], out.data[i], 0.01, "at " + i);
        }
    }

    @Test
    void strongGradientWeightsReproduceTheSelectedGradients() {
        int w = 21, h = 15;
        FloatImage a = BlendImages.textured(w, h, 16), b = BlendImages.textured(w, h, 17);
        boolean[] mask = new boolean[w * h]; // all A: A's gradients, B's values as the data term
        FloatImage la = Lab.fromRgb(a), lb = Lab.fromRgb(b);
        PoissonBlend blend = new PoissonBlend(new DctPoissonSolver(w, h), new double[]{1e3, 1e3, 1e3}, Runnable::run);
        for (int c = 0; c < 3; c++) {
            float[] x = blend.solveChannel(la, lb, lb, mask, c);
            for (int y = 0; y < h - 1; y++) {
                for (int xx = 0; xx < w - 1; xx++) {
                    int p = y * w + xx;
                    assertEquals(la.get(xx, y, c) - la.get(xx + 1, y, c), x[p] - x[p + 1], 2e-2);
                    assertEquals(la.get(xx, y, c) - la.get(xx, y + 1, c), x[p] - x[p + w], 2e-2);
                }
            }
        }
    }
}
