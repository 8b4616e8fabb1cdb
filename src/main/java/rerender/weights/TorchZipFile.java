// Reader for PyTorch zip checkpoints (torch.save since 1.6: .ckpt/.pth/.pt): data.pkl via a restricted unpickler.
package rerender.weights;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Enumeration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Zip layout written by {@code torch.save}: {@code <dir>/data.pkl} (the pickled object), {@code <dir>/data/<key>}
 * (raw little-endian bytes of each storage), {@code <dir>/version}, optionally {@code <dir>/byteorder}.
 * The tensors are the {@code state_dict} entry of the top-level dict if it has one, else the top-level dict
 * itself; non-tensor entries (global_step, epoch, ...) are ignored. A storage is read from the zip each time a
 * tensor of it is converted, so memory holds one tensor at a time.
 */
final class TorchZipFile implements TensorFile {
    private final Path path;
    private final ZipFile zip;
    private final Map<String, StoredTensor> tensors;

    private TorchZipFile(Path path, ZipFile zip, Map<String, StoredTensor> tensors) {
        this.path = path;
        this.zip = zip;
        this.tensors = tensors;
    }

    static TorchZipFile open(Path path) {
        ZipFile zip;
        try {
            zip = new ZipFile(path.toFile());
        } catch (IOException e) {
            throw new WeightException("cannot open PyTorch zip checkpoint " + path + ": " + e.getMessage(), e);
        }
        try {
            TorchZipFile f = new TorchZipFile(path, zip, read(path, zip));
            zip = null;
            return f;
        } finally {
            if (zip != null) {
                try {
                    zip.close();
                } catch (IOException ignored) {
                    // the parse error is what matters
                }
            }
        }
    }

    private static Map<String, StoredTensor> read(Path path, ZipFile zip) {
        String dir = null;
        for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements(); ) {
            String n = en.nextElement().getName();
            if (n.endsWith("/data.pkl") && n.indexOf('/') == n.length() - "/data.pkl".length()) {
                if (dir != null) {
                    throw new WeightException(path + ": more than one data.pkl in the zip");
                }
                dir = n.substring(0, n.length() - "data.pkl".length());
            }
        }
        if (dir == null) {
            throw new WeightException(path + " is a zip but not a PyTorch checkpoint: no <dir>/data.pkl entry");
        }
        ZipEntry order = zip.getEntry(dir + "byteorder");
        if (order != null && !"little".equals(new String(bytes(path, zip, order, 16), StandardCharsets.US_ASCII).trim())) {
            throw new WeightException(path + ": big-endian PyTorch checkpoints are not supported");
        }
        ZipEntry pkl = zip.getEntry(dir + "data.pkl");
        Object top = RestrictedUnpickler.load(bytes(path, zip, pkl, Integer.MAX_VALUE - 8), path);
        if (!(top instanceof Map<?, ?> topMap)) {
            throw new WeightException(path + ": the pickled object is not a dict but " + (top == null ? "None" : top.getClass().getSimpleName()));
        }
        Map<?, ?> sd = topMap.get("state_dict") instanceof Map<?, ?> inner ? inner : topMap;
        Map<String, StoredTensor> out = new TreeMap<>();
        for (Map.Entry<?, ?> e : sd.entrySet()) {
            if (e.getKey() instanceof String key && e.getValue() instanceof RestrictedUnpickler.TensorRef t) {
                out.put(key, tensor(path, zip, dir, key, t));
            }
        }
        return Collections.unmodifiableMap(out);
    }

    private static StoredTensor tensor(Path path, ZipFile zip, String dir, String key, RestrictedUnpickler.TensorRef t) {
        String where = "tensor '" + key + "' in " + path;
        RestrictedUnpickler.StorageRef s = t.storage();
        long[] size = t.size();
        if (size.length != t.stride().length) {
            throw new WeightException(where + ": size " + Shapes.format(size) + " and stride " + Shapes.format(t.stride()) + " differ in rank");
        }
        long expect = 1;
        for (int i = size.length - 1; i >= 0; i--) {
            if (size[i] != 1 && t.stride()[i] != expect) {
                throw new WeightException(where + " is not contiguous (size " + Shapes.format(size) + ", stride "
                        + Shapes.format(t.stride()) + "); save it with .contiguous()");
            }
            expect *= size[i];
        }
        long numel = Shapes.numel(size);
        if (t.offset() < 0 || t.offset() + numel > s.numel()) {
            throw new WeightException(where + ": elements [" + t.offset() + ", " + (t.offset() + numel) + ") exceed its storage of "
                    + s.numel() + " elements");
        }
        ZipEntry entry = zip.getEntry(dir + "data/" + s.key());
        if (entry == null) {
            throw new WeightException(where + ": storage entry " + dir + "data/" + s.key() + " is missing (file truncated?)");
        }
        long storageBytes = s.numel() * s.dtype().size();
        if (entry.getSize() >= 0 && entry.getSize() != storageBytes) {
            throw new WeightException(where + ": storage data/" + s.key() + " has " + entry.getSize() + " bytes, expected "
                    + storageBytes + " (" + s.numel() + " x " + s.dtype() + ")");
        }
        long from = t.offset() * s.dtype().size();
        long len = numel * s.dtype().size();
        return new StoredTensor(key, s.dtype(), size, path, () -> {
            try (InputStream in = zip.getInputStream(entry)) {
                in.skipNBytes(from);
                byte[] data = in.readNBytes(Math.toIntExact(len));
                if (data.length != len) {
                    throw new WeightException(where + ": storage data/" + s.key() + " is truncated");
                }
                return MemorySegment.ofArray(data);
            } catch (IOException | IllegalStateException e) {
                throw new WeightException(where + ": cannot read storage data/" + s.key() + ": " + e.getMessage(), e);
            }
        });
    }

    private static byte[] bytes(Path path, ZipFile zip, ZipEntry e, int max) {
        if (e.getSize() > max) {
            throw new WeightException(path + ": zip entry " + e.getName() + " is too large (" + e.getSize() + " bytes)");
        }
        try (InputStream in = zip.getInputStream(e)) {
            return in.readNBytes(max);
        } catch (IOException ex) {
            throw new WeightException(path + ": cannot read zip entry " + e.getName() + ": " + ex.getMessage(), ex);
        }
    }

    @Override
    public Set<String> keys() {
        return tensors.keySet();
    }

    @Override
    public StoredTensor get(String key) {
        return tensors.get(key);
    }

    @Override
    public Path path() {
        return path;
    }

    @Override
    public void close() {
        try {
            zip.close();
        } catch (IOException e) {
            throw new WeightException("cannot close " + path + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "PyTorch zip " + path + " (" + tensors.size() + " tensors)";
    }
}
