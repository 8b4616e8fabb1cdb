// Reader for PyTorch zip checkpoints (torch.save since 1.6: .ckpt/.pth/.pt) through a restricted unpickler.
package rerender.weights;

import java.nio.file.Path;

final class TorchZipFile {
    private TorchZipFile() {
    }

    static TensorFile open(Path p) {
        throw new WeightException(p + ": PyTorch zip checkpoints are not supported yet");
    }
}
