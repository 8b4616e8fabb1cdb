// A 2-D convolution layer (PyTorch nn.Conv2d: weight [O, C, k, k], bias [O]) loaded strictly by checkpoint key.
// Weights stored as fp16 stay fp16 in memory (half the size; widened exactly inside the kernel).
package rerender.diffusion.nn;

import rerender.tensor.Compute;
import rerender.tensor.Tensor;
import rerender.tensor.kernels.ConvWeights;
import rerender.weights.Weights;

/**
 * weight [out, in*k*k]: float32, or IEEE fp16 bits off-heap in the GEMM's packed layout when the checkpoint stores
 * fp16 (see ConvWeights).
 */
public record Conv(ConvWeights weight, float[] bias, int in, int out, int kernel, int stride, int pad) {
    public Conv {
        if (weight.rows() != out || weight.depth() != in * kernel * kernel) {
            throw new IllegalArgumentException("conv weight is [" + weight.rows() + ", " + weight.depth()
                    + "], expected [" + out + ", " + in * kernel * kernel + "]");
        }
    }

    /** Loads name.weight [out, in, k, k] (kept fp16 when stored so, without LoRA) and name.bias [out]. */
    public static Conv load(Weights w, String name, int in, int out, int kernel, int stride, int pad) {
        String key = name + ".weight";
        ConvWeights packed = w.takeHalfIfExact(key, half -> ConvWeights.packHalf(half, out, in * kernel * kernel),
                out, in, kernel, kernel);
        ConvWeights weight = packed != null ? packed
                : ConvWeights.of(w.take(key, out, in, kernel, kernel), out, in * kernel * kernel);
        return new Conv(weight, w.take(name + ".bias", out), in, out, kernel, stride, pad);
    }

    /**
     * This layer with its weight keeping Winograd transforms between calls (see ConvWeights#keepingTransforms):
     * for layers run at every sampling step (the UNet's and ControlNet's), not for those run once per frame (VAE,
     * annotators), whose kept transforms would only hold memory.
     */
    public Conv keepingTransforms() {
        return new Conv(weight.keepingTransforms(), bias, in, out, kernel, stride, pad);
    }

    /** A 3x3 convolution with padding 1 (stride 1), the most common layer of the UNet and VAE. */
    public static Conv load3x3(Weights w, String name, int in, int out) {
        return load(w, name, in, out, 3, 1, 1);
    }

    /** A 1x1 convolution. */
    public static Conv load1x1(Weights w, String name, int in, int out) {
        return load(w, name, in, out, 1, 1, 0);
    }

    /** x [N, in, H, W] -> [N, out, Ho, Wo]. */
    public Tensor forward(Compute c, Tensor x) {
        if (x.dim(1) != in) {
            throw new IllegalArgumentException("conv expects " + in + " input channels, got " + x);
        }
        return c.conv2d(x, weight, kernel, kernel, bias, stride, pad);
    }
}
