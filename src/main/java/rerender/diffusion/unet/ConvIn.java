// The UNet's first layer (input_blocks.0.0): a 3x3 convolution from the latent channels to model channels.
package rerender.diffusion.unet;

import rerender.diffusion.nn.Conv;
import rerender.tensor.Compute;
import rerender.tensor.Tensor;

record ConvIn(Conv conv) implements TimestepBlock {
    @Override
    public Tensor forward(Compute c, Tensor x, Tensor emb, Tensor context) {
        return conv.forward(c, x);
    }
}
