// One weights file (safetensors or a PyTorch zip checkpoint), opened read-only; the format is detected by content.
package rerender.weights;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

public interface TensorFile extends AutoCloseable {

    /**
     * Opens {@code p}: a safetensors file (8-byte little-endian header length, then a JSON header) is
     * memory-mapped; a zip (PyTorch >= 1.6 {@code torch.save}: .ckpt / .pth / .pt) is read through a
     * restricted unpickler. Anything else is refused.
     */
    static TensorFile open(Path p) throws WeightException {
        byte[] head;
        try (InputStream in = Files.newInputStream(p)) {
            head = in.readNBytes(9);
        } catch (IOException e) {
            throw new WeightException("cannot read weights file " + p + ": " + e, e);
        }
        if (head.length >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
            return TorchZipFile.open(p);
        }
        if (head.length >= 2 && (head[0] & 0xff) == 0x80 && head[1] <= 5 && !(head.length == 9 && head[8] == '{')) {
            throw new WeightException(p + " is a legacy (pre-1.6, non-zip) PyTorch pickle, which is not supported;"
                    + " re-save it with a current torch.save or convert it to .safetensors");
        }
        return SafeTensorsFile.open(p);
    }

    /** All tensor names, sorted. */
    Set<String> keys();

    /** The tensor named {@code key}, or null if absent. */
    StoredTensor get(String key);

    Path path();

    @Override
    void close();
}
