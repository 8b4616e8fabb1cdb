// Kohya-format LoRA files: maps lora_unet_* / lora_te_* module names onto LDM checkpoint keys.
package rerender.weights;

import java.util.List;
import java.util.Map;

final class Lora {
    private Lora() {
    }

    record Plan(Map<String, LoraDelta> deltas, List<String> unmapped) {
    }

    static Plan plan(Weights root, TensorFile lora, float scale) {
        throw new WeightException("LoRA not supported yet: " + lora.path());
    }
}
