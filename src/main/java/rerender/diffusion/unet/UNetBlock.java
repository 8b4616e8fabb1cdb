// A numbered UNet block (ldm TimestepEmbedSequential): its layers run in order, e.g. ResBlock then SpatialTransformer.
package rerender.diffusion.unet;

import rerender.tensor.Compute;
import rerender.tensor.Tensor;

import java.util.List;

record UNetBlock(String name, List<TimestepBlock> layers) {
    UNetBlock {
        layers = List.copyOf(layers);
    }

    Tensor forward(Compute c, Tensor x, Tensor emb, Tensor context) {
        for (TimestepBlock l : layers) {
            x = l.forward(c, x, emb, context);
        }
        return x;
    }
}
