// ldm Upsample: nearest-neighbour 2x then a 3x3 convolution (key "conv"): [B, C, H, W] -> [B, C, 2H, 2W].
package rerender.diffusion.unet;

import rerender.diffusion.nn.Conv;
import rerender.tensor.Compute;
import rerender.tensor.Tensor;
import rerender.weights.Weights;

final class Upsample implements TimestepBlock {
    private final Conv conv;

    Upsample(Weights w, String name, int channels) {
        conv = Conv.load3x3(w, name + ".conv", channels, channels).keepingTransforms(); // same weights every step
    }

    @Override
    public Tensor forward(Compute c, Tensor x, Tensor emb, Tensor context) {
        return conv.forward(c, c.upsampleNearest2x(x));
    }
}
