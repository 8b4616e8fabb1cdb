// HED soft edge map (Xie & Tu 2015, "Holistically-Nested Edge Detection") as a ControlNet hint, in the form of
// ControlNet 1.1's annotator network "ControlNetHED_Apache2" (RGB input, one side output per VGG-like stage).
package rerender.diffusion.annotator;

import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;
import rerender.diffusion.nn.Conv;
import rerender.tensor.Compute;
import rerender.tensor.Tensor;
import rerender.weights.TensorFile;
import rerender.weights.WeightException;
import rerender.weights.Weights;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Network (keys of ControlNetHED.pth): {@code norm} [1, 3, 1, 1] is subtracted from the 0..255 RGB image; then five
 * blocks {@code block1..5}, each an optional 2x2 max-pool (blocks 2-5), 3x3 convolutions {@code convs.j} (padding
 * 1) each followed by ReLU, and a 1x1 {@code projection} to one channel taken from the block's output. Channel counts
 * and the number of convolutions per block are read from the tensor shapes (the real file: 64, 128, 256, 512, 512
 * channels with 2, 2, 3, 3, 3 convolutions).
 * <p>
 * Detection as the reference annotator: each projection is resized to the image size (OpenCV INTER_LINEAR),
 * the five maps are averaged (float32), edge = sigmoid(mean) (double), quantised to 8 bit by truncation,
 * (edge * 255).clip(0, 255).astype(uint8), and replicated to 3 channels; the hint is that value / 255.
 */
public final class HedDetector {
    private record Block(List<Conv> convs, Conv projection) {
    }

    private final float[] norm; // [3]
    private final List<Block> blocks = new ArrayList<>();

    /** w: the tensors of the HED weights file (no prefix); strict: a missing, mis-shaped or unused key throws. */
    public HedDetector(Weights w) {
        norm = w.take("norm", 1, 3, 1, 1);
        int in = 3;
        for (int b = 1; b <= 5; b++) {
            String name = "block" + b;
            List<Conv> convs = new ArrayList<>();
            for (int j = 0; w.has(name + ".convs." + j + ".weight"); j++) {
                int out = (int) w.shape(name + ".convs." + j + ".weight")[0];
                convs.add(Conv.load3x3(w, name + ".convs." + j, in, out));
                in = out;
            }
            if (convs.isEmpty()) {
                throw new WeightException("HED weights " + w.source() + ": no " + name + ".convs.0.weight");
            }
            blocks.add(new Block(convs, Conv.load1x1(w, name + ".projection", in, 1)));
        }
        List<String> unused = w.unusedKeys("");
        if (!unused.isEmpty()) {
            throw new WeightException("HED weights " + w.source() + " have " + unused.size()
                    + " tensors that are not part of ControlNetHED_Apache2, e.g. " + unused.subList(0, Math.min(3, unused.size())));
        }
    }

    /** Loads a .pth (PyTorch zip) or .safetensors file of the annotator's weights. */
    public static HedDetector load(Path file) {
        try (TensorFile f = TensorFile.open(file)) {
            return new HedDetector(Weights.of(f));
        }
    }

    /**
     * rgb: interleaved 8-bit RGB (0..255) of a width x height image, row-major -> hint [1, 3, H, W] with values
     * k / 255, k the 8-bit edge strength.
     */
    public Tensor detect(Compute c, byte[] rgb, int width, int height) {
        if (rgb.length != width * height * 3) {
            throw new IllegalArgumentException("hed: " + rgb.length + " bytes is not a " + width + "x" + height
                    + " RGB image");
        }
        float[] prob = edgeProbability(c, rgb, width, height);
        int plane = width * height;
        float[] hint = new float[3 * plane];
        for (int i = 0; i < plane; i++) {
            int k = (int) Math.min(255.0, Math.max(0.0, prob[i] * 255.0)); // astype(uint8) truncates
            float v = k / 255f;
            hint[i] = v;
            hint[plane + i] = v;
            hint[2 * plane + i] = v;
        }
        return Tensor.of(hint, 1, 3, height, width);
    }

    /** The edge probability sigmoid(mean of the 5 side outputs) per pixel, [H * W] row-major, before quantising. */
    public float[] edgeProbability(Compute c, byte[] rgb, int width, int height) {
        if (width < 16 || height < 16) {
            throw new IllegalArgumentException("hed: image " + width + "x" + height + " is too small for four 2x2 "
                    + "poolings (needs at least 16x16)");
        }
        int plane = width * height;
        float[] x = new float[3 * plane];
        for (int i = 0; i < plane; i++) {
            for (int ch = 0; ch < 3; ch++) {
                x[ch * plane + i] = (rgb[i * 3 + ch] & 0xff) - norm[ch]; // h = x - norm
            }
        }
        Tensor h = Tensor.of(x, 1, 3, height, width);
        float[] sum = new float[plane];
        for (int b = 0; b < blocks.size(); b++) {
            if (b > 0) {
                h = c.maxPool2x2(h); // [1, C, H', W'] -> [1, C, H'/2, W'/2]
            }
            for (Conv conv : blocks.get(b).convs()) {
                h = c.reluInPlace(conv.forward(c, h));
            }
            Tensor p = blocks.get(b).projection().forward(c, h); // [1, 1, H', W']
            float[] up = resizeLinear(p.data(), p.dim(3), p.dim(2), width, height);
            for (int i = 0; i < plane; i++) {
                sum[i] += up[i]; // numpy's mean over the stacked maps: a float32 sum in order, then / 5
            }
        }
        float[] prob = new float[plane];
        for (int i = 0; i < plane; i++) {
            double mean = sum[i] / (float) blocks.size();
            prob[i] = (float) (1 / (1 + Math.exp(-mean)));
        }
        return prob;
    }

    /** cv2.resize(map, (w, h), INTER_LINEAR) of a single-channel float map. */
    private static float[] resizeLinear(float[] src, int sw, int sh, int w, int h) {
        if (sw == w && sh == h) {
            return src;
        }
        if (sw == 0 || sh == 0) {
            throw new IllegalArgumentException("hed: image " + w + "x" + h + " is too small for 4 poolings (needs 16x16)");
        }
        try (Mat in = new Mat(sh, sw, opencv_core.CV_32FC1); Mat out = new Mat(); Size size = new Size(w, h)) {
            ByteBuffer b = ByteBuffer.allocate(src.length * 4).order(ByteOrder.nativeOrder());
            b.asFloatBuffer().put(src);
            in.data().put(b.array());
            opencv_imgproc.resize(in, out, size, 0, 0, opencv_imgproc.INTER_LINEAR);
            float[] r = new float[w * h];
            out.data().capacity((long) r.length * 4).asByteBuffer().order(ByteOrder.nativeOrder()).asFloatBuffer().get(r);
            return r;
        }
    }
}
