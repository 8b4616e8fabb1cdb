// A fully connected layer (PyTorch nn.Linear: weight [out, in], optional bias [out]) loaded strictly by key.
package rerender.diffusion.nn;

import rerender.tensor.Compute;
import rerender.tensor.Tensor;
import rerender.weights.Weights;

public record Linear(float[] weight, float[] bias, int in, int out) {
    public static Linear load(Weights w, String name, int in, int out) {
        return new Linear(w.take(name + ".weight", out, in), w.take(name + ".bias", out), in, out);
    }

    /** A linear layer without bias (the attention projections to_q/to_k/to_v of ldm). */
    public static Linear loadNoBias(Weights w, String name, int in, int out) {
        return new Linear(w.take(name + ".weight", out, in), null, in, out);
    }

    /** x [..., in] -> [..., out]. */
    public Tensor forward(Compute c, Tensor x) {
        if (x.dim(-1) != in) {
            throw new IllegalArgumentException("linear expects width " + in + ", got " + x);
        }
        return c.linear(x, weight, out, bias);
    }
}
