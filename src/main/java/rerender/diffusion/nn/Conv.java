// A 2-D convolution layer (PyTorch nn.Conv2d: weight [O, C, k, k], bias [O]) loaded strictly by checkpoint key.
package rerender.diffusion.nn;

import rerender.tensor.Compute;
import rerender.tensor.Tensor;
import rerender.weights.Weights;

public record Conv(float[] weight, float[] bias, int in, int out, int kernel, int stride, int pad) {
    /** Loads name.weight [out, in, k, k] and name.bias [out]. */
    public static Conv load(Weights w, String name, int in, int out, int kernel, int stride, int pad) {
        return new Conv(w.take(name + ".weight", out, in, kernel, kernel), w.take(name + ".bias", out),
                in, out, kernel, stride, pad);
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
        return c.conv2d(x, weight, out, kernel, kernel, bias, stride, pad);
    }
}
