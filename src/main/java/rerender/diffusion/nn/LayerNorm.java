// Layer normalisation over the last dimension (PyTorch nn.LayerNorm, weight/bias [W]).
package rerender.diffusion.nn;

import rerender.tensor.Compute;
import rerender.tensor.Tensor;
import rerender.weights.Weights;

public record LayerNorm(float[] gamma, float[] beta, int width, float eps) {
    public static LayerNorm load(Weights w, String name, int width, float eps) {
        return new LayerNorm(w.take(name + ".weight", width), w.take(name + ".bias", width), width, eps);
    }

    /** x [..., W] -> same shape. */
    public Tensor forward(Compute c, Tensor x) {
        return c.layerNorm(x, gamma, beta, eps);
    }
}
