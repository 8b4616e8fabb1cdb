// Test helper: the tiny checkpoints of fixtures/tiny and their config.
package rerender.diffusion;

import rerender.testutil.Shared;
import rerender.weights.TensorFile;
import rerender.weights.Weights;

import java.io.IOException;
import java.io.UncheckedIOException;

public final class TinyModels {
    private TinyModels() {
    }

    public static ModelConfig config() {
        try {
            return ModelConfig.read(Shared.tiny("config.json"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Weights of tiny-sd-{precision}.safetensors (precision "fp32" or "fp16"). */
    public static Weights sd(String precision) {
        return Weights.of(TensorFile.open(Shared.tiny("tiny-sd-" + precision + ".safetensors")));
    }

    public static Weights control(String precision) {
        return Weights.of(TensorFile.open(Shared.tiny("tiny-control-" + precision + ".safetensors")));
    }
}
