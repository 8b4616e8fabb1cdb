// ldm Downsample with conv: 3x3 convolution, stride 2, padding 1 (key "op"): [B, C, H, W] -> [B, C, H/2, W/2].
package rerender.diffusion.unet;

import rerender.diffusion.nn.Conv;
import rerender.tensor.Compute;
import rerender.tensor.Tensor;
import rerender.weights.Weights;

final class Downsample implements TimestepBlock {
    private final Conv op;

    Downsample(Weights w, String name, int channels) {
        op = Conv.load(w, name + ".op", channels, channels, 3, 2, 1);
    }

    @Override
    public Tensor forward(Compute c, Tensor x, Tensor emb, Tensor context) {
        return op.forward(c, x);
    }
}
