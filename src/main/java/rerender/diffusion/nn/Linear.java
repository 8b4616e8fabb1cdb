// A fully connected layer (PyTorch nn.Linear: weight [out, in], optional bias [out]) loaded strictly by key.
// Weights stored as fp16 stay fp16 in memory (half the size; widened exactly inside the kernel).
package rerender.diffusion.nn;

import rerender.tensor.Compute;
import rerender.tensor.Tensor;
import rerender.tensor.kernels.FeedForward;
import rerender.tensor.kernels.LinearWeights;
import rerender.weights.Weights;

/**
 * Exactly one of weight (float32, [out, in]) and weightHalf (IEEE fp16 bits, off-heap, in the GEMM's packed layout:
 * see LinearWeights) is non-null; bias may be null.
 */
public record Linear(float[] weight, LinearWeights weightHalf, float[] bias, int in, int out) {
    public Linear {
        if ((weight == null) == (weightHalf == null)) {
            throw new IllegalArgumentException("linear needs exactly one of a float32 and an fp16 weight");
        }
    }

    public static Linear load(Weights w, String name, int in, int out) {
        return load(w, name, in, out, w.take(name + ".bias", out));
    }

    /** A linear layer without bias (the attention projections to_q/to_k/to_v of ldm). */
    public static Linear loadNoBias(Weights w, String name, int in, int out) {
        return load(w, name, in, out, null);
    }

    /** name.weight [out, in], kept fp16 when stored so (without LoRA). */
    private static Linear load(Weights w, String name, int in, int out, float[] bias) {
        LinearWeights packed = w.takeHalfIfExact(name + ".weight", half -> LinearWeights.packHalf(half, out, in),
                out, in);
        return new Linear(packed != null ? null : w.take(name + ".weight", out, in), packed, bias, in, out);
    }

    /** The weight as the fused kernels take it. */
    public FeedForward.Weight operand() {
        return weight != null ? FeedForward.Weight.of(weight, out, in) : FeedForward.Weight.of(weightHalf);
    }

    /** ldm's GEGLU feed-forward through layers first (C -> 2I) and second (I -> C'): see Compute#gegluFeedForward. */
    public static Tensor gegluFeedForward(Compute c, Tensor x, Linear first, Linear second) {
        return c.gegluFeedForward(x, first.operand(), first.bias, second.operand(), second.bias);
    }

    /** x [..., in] -> [..., out]. */
    public Tensor forward(Compute c, Tensor x) {
        if (x.dim(-1) != in) {
            throw new IllegalArgumentException("linear expects width " + in + ", got " + x);
        }
        return c.linear(x, operand(), bias);
    }
}
