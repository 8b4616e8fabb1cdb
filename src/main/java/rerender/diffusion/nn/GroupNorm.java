// Group normalisation (Wu & He 2018; PyTorch nn.GroupNorm with affine weight/bias [C]), optionally fused with SiLU.
package rerender.diffusion.nn;

import rerender.tensor.Compute;
import rerender.tensor.Tensor;
import rerender.weights.Weights;

public record GroupNorm(float[] gamma, float[] beta, int channels, int groups, float eps) {
    public static GroupNorm load(Weights w, String name, int channels, int groups, float eps) {
        return new GroupNorm(w.take(name + ".weight", channels), w.take(name + ".bias", channels), channels, groups,
                eps);
    }

    /** x [N, C, ...] -> same shape. */
    public Tensor forward(Compute c, Tensor x) {
        return c.groupNorm(x, groups, gamma, beta, eps, false);
    }

    /** SiLU(GroupNorm(x)), the "norm, nonlinearity" pair that opens every ResBlock. */
    public Tensor forwardSilu(Compute c, Tensor x) {
        return c.groupNorm(x, groups, gamma, beta, eps, true);
    }

    /** As {@link #forwardSilu} written over x, which must be the caller's own temporary, dead afterwards. */
    public Tensor forwardSiluInPlace(Compute c, Tensor x) {
        return c.groupNormInPlace(x, groups, gamma, beta, eps, true);
    }
}
