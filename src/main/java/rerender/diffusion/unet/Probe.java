// Receives named intermediate tensors of a forward pass (block outputs), for tests and debugging; NONE ignores them.
package rerender.diffusion.unet;

import rerender.tensor.Tensor;

@FunctionalInterface
public interface Probe {
    void record(String name, Tensor value);

    Probe NONE = (name, value) -> { };
}
