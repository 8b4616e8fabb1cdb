// The "image" command: one Stable Diffusion 1.5 (+ ControlNet) image from a prompt, optionally from an init image
// (SDEdit strength) and with exact initial noise for comparisons against the reference implementation.
package rerender.cli;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import rerender.diffusion.ImageSampler;
import rerender.diffusion.ModelConfig;
import rerender.diffusion.SamplerSettings;
import rerender.diffusion.StableDiffusion;
import rerender.diffusion.annotator.CannyDetector;
import rerender.diffusion.annotator.HedDetector;
import rerender.diffusion.clip.ClipTokenizer;
import rerender.diffusion.sampling.GaussianNoise;
import rerender.diffusion.sampling.NoiseSchedule;
import rerender.diffusion.unet.FreeU;
import rerender.tensor.Compute;
import rerender.tensor.Tensor;
import rerender.tensor.kernels.Parallel;
import rerender.video.FloatImage;
import rerender.video.io.CvMats;
import rerender.weights.CheckpointLayout;
import rerender.weights.DType;
import rerender.weights.StoredTensor;
import rerender.weights.TensorFile;
import rerender.weights.WeightException;
import rerender.weights.Weights;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "image", mixinStandardHelpOptions = true,
        description = "Render one image with Stable Diffusion 1.5 (+ ControlNet), DDIM sampling with CFG.")
public final class ImageCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "SD 1.x checkpoint (.safetensors/.ckpt, LDM layout)")
    Path model;
    @Option(names = "--model-config", description = "flat JSON model config (missing keys = SD 1.5)")
    Path modelConfig;
    @Option(names = "--vae", description = "external VAE file replacing the checkpoint's")
    Path vae;
    @Option(names = "--lora", description = "LoRA file and scale, FILE:SCALE (repeatable)")
    List<String> loras = new ArrayList<>();
    @Option(names = "--controlnet", description = "ControlNet checkpoint (control_model.* keys)")
    Path controlnet;
    @Option(names = "--control", defaultValue = "canny", description = "edge detector for --control-image: canny, hed, none")
    String control;
    @Option(names = "--control-image", description = "image turned into the control map by the detector")
    Path controlImage;
    @Option(names = "--hed-weights", description = "HED annotator weights for --control hed (ControlNet 1.1's "
            + "ControlNetHED.pth, or .safetensors with its tensor names)")
    Path hedWeights;
    @Option(names = "--hint", description = "ready control map: PNG (values/255) or safetensors with tensor 'hint' [1,3,H,W]")
    Path hint;
    @Option(names = "--control-strength", defaultValue = "1.0", description = "ControlNet residual scale (default 1.0)")
    float controlStrength;
    @Option(names = "--canny-low", defaultValue = "100")
    double cannyLow;
    @Option(names = "--canny-high", defaultValue = "200")
    double cannyHigh;
    @Option(names = "--prompt", defaultValue = "", description = "positive prompt")
    String prompt;
    @Option(names = "--negative", defaultValue = "", description = "negative prompt")
    String negative;
    @Option(names = "--steps", defaultValue = "20")
    int steps;
    @Option(names = "--cfg", defaultValue = "7.5", description = "classifier-free guidance scale")
    float cfg;
    @Option(names = "--seed", defaultValue = "0")
    long seed;
    @Option(names = "--width", description = "output width (multiple of 8; default: input image width or 512)")
    Integer width;
    @Option(names = "--height", description = "output height (multiple of 8; default: input image height or 512)")
    Integer height;
    @Option(names = "--init-image", description = "image to start from (SDEdit)")
    Path initImage;
    @Option(names = "--strength", description = "denoising strength with --init-image (default 0.75; > 1 = ignore image)")
    Float strength;
    @Option(names = "--init-noise", description = "safetensors with tensor x_T [1,4,H/8,W/8] replacing the seeded noise")
    Path initNoise;
    @Option(names = "--save-latent", description = "write the final latent as tensor 'samples' to this safetensors file")
    Path saveLatent;
    @Option(names = "--freeu", description = "FreeU factors b1,b2,s1,s2 (e.g. 1.1,1.2,1.0,0.2; default off = 1,1,1,1)")
    String freeu;
    @Option(names = "--threads", description = "worker threads (default: all processors)")
    Integer threads;
    @Option(names = "--output", required = true, description = "output PNG")
    Path output;

    @Override
    public Integer call() {
        try {
            run();
            return 0;
        } catch (IllegalArgumentException | WeightException | IOException | UncheckedIOException e) {
            System.err.println("rerender image: " + e.getMessage());
            return 1;
        } catch (OutOfMemoryError e) {
            System.err.println("rerender image: out of memory (" + e.getMessage() + "); raise -Xmx via RERENDER_JAVA_OPTS"
                    + " or use a smaller --width/--height");
            return 1;
        } catch (RuntimeException e) {
            // a bug or an unforeseen input: still one line for the user, naming the exception
            System.err.println("rerender image: failed: " + e);
            return 1;
        }
    }

    private void run() throws IOException {
        // ---- validate the request before loading anything ----
        if (steps < 1) {
            throw new IllegalArgumentException("--steps must be >= 1, got " + steps);
        }
        if (hint != null && controlImage != null) {
            throw new IllegalArgumentException("give either --hint or --control-image, not both");
        }
        if (!List.of("canny", "hed", "none").contains(control)) {
            throw new IllegalArgumentException("--control must be canny, hed or none, got " + control);
        }
        if (control.equals("hed") && controlImage != null && hedWeights == null) {
            throw new IllegalArgumentException("--control hed needs --hed-weights FILE (ControlNet 1.1's ControlNetHED.pth)");
        }
        boolean useControl = controlnet != null && !control.equals("none");
        if (!useControl && (hint != null || controlImage != null)) {
            throw new IllegalArgumentException("--hint/--control-image need --controlnet (and --control other than none)");
        }
        if (useControl && hint == null && controlImage == null) {
            throw new IllegalArgumentException("--controlnet needs --hint or --control-image");
        }
        FloatImage init = initImage == null ? null : FloatImage.read(initImage);
        FloatImage controlSource = controlImage == null ? null : FloatImage.read(controlImage);
        FloatImage sizeSource = init != null ? init : controlSource;
        int w = width != null ? width : sizeSource != null ? sizeSource.width : 512;
        int h = height != null ? height : sizeSource != null ? sizeSource.height : 512;
        if (w <= 0 || h <= 0 || w % 8 != 0 || h % 8 != 0) {
            throw new IllegalArgumentException("width and height must be positive multiples of 8, got " + w + "x" + h);
        }
        HedDetector hed = control.equals("hed") && controlImage != null && useControl ? HedDetector.load(hedWeights) : null;
        float denoise = init == null ? 1.05f : strength == null ? 0.75f : strength;
        SamplerSettings settings = new SamplerSettings(steps, cfg, controlStrength, denoise);
        ModelConfig cfgModel = modelConfig == null ? ModelConfig.sd15() : ModelConfig.read(modelConfig);
        FreeU freeU = freeu == null ? FreeU.OFF : FreeU.parse(freeu);

        // ---- models ----
        List<TensorFile> open = new ArrayList<>();
        try (Parallel parallel = new Parallel(threads != null ? threads : Runtime.getRuntime().availableProcessors())) {
            Compute c = new Compute(parallel);
            StableDiffusion sd = loadModels(cfgModel, useControl, open);
            sd.unet().setFreeU(freeU);
            int factor = 8 << (cfgModel.channelMult().size() - 1);
            if (w % factor != 0 || h % factor != 0) {
                throw new IllegalArgumentException("this model needs width and height divisible by " + factor
                        + ", got " + w + "x" + h);
            }

            // ---- conditioning ----
            ClipTokenizer tok = ClipTokenizer.load();
            Tensor ctxCond = sd.textEncoder().forward(c, new int[][] {tokens(tok, prompt, "--prompt")});
            Tensor ctxUncond = sd.textEncoder().forward(c, new int[][] {tokens(tok, negative, "--negative")});
            Tensor hintTensor = null;
            if (useControl) {
                hintTensor = hint != null ? readHint(hint, w, h)
                        : hed != null ? hed.detect(c, rgbBytes(resize(controlSource, w, h)), w, h)
                        : new CannyDetector(cannyLow, cannyHigh).detect(rgbBytes(resize(controlSource, w, h)), w, h);
                if (hintTensor.dim(1) != sd.controlNet().hintChannels()) {
                    throw new IllegalArgumentException("control map has " + hintTensor.dim(1)
                            + " channels, the ControlNet expects " + sd.controlNet().hintChannels());
                }
            }

            // ---- noise and init latent ----
            int lh = h / 8, lw = w / 8, lc = sd.unet().latentChannels();
            GaussianNoise rng = new GaussianNoise(seed);
            Tensor xT = initNoise != null ? readTensor(initNoise, "x_T", 1, lc, lh, lw) : rng.next(1, lc, lh, lw);
            Tensor x0 = null, x0Noise = null;
            if (init != null) {
                x0 = sd.vae().encode(c, imageTensor(resize(init, w, h)));
                x0Noise = rng.next(1, lc, lh, lw);
            }

            // ---- sampling ----
            ImageSampler sampler = new ImageSampler(sd, NoiseSchedule.stableDiffusion());
            Tensor latent;
            try (ProgressBar pb = new ProgressBarBuilder().setTaskName("DDIM").setInitialMax(steps)
                    .setUpdateIntervalMillis(250).continuousUpdate().build()) {
                latent = sampler.sample(c, settings, new ImageSampler.Inputs(ctxCond, ctxUncond, hintTensor, xT, x0,
                        x0Noise), s -> {
                    pb.maxHint(s.total());
                    pb.step();
                });
            }
            if (saveLatent != null) {
                Map<String, float[]> v = new LinkedHashMap<>();
                v.put("samples", latent.data());
                Map<String, long[]> shapes = Map.of("samples", Arrays.stream(latent.shape()).asLongStream().toArray());
                rerender.weights.SafeTensorsWriter.write(saveLatent, v, shapes, DType.F32);
            }
            Tensor image = sd.vae().decode(c, latent); // [1, 3, H, W] in [-1, 1]
            toImage(image).writePng(output);
            System.err.println("wrote " + output);
        } finally {
            for (TensorFile f : open) {
                f.close();
            }
        }
    }

    private StableDiffusion loadModels(ModelConfig cfgModel, boolean useControl, List<TensorFile> open) {
        TensorFile ckptFile = TensorFile.open(model);
        open.add(ckptFile);
        CheckpointLayout ckpt = CheckpointLayout.of(ckptFile);
        if (vae != null) {
            TensorFile v = TensorFile.open(vae);
            open.add(v);
            ckpt = ckpt.withVae(v);
        }
        for (String spec : loras) {
            int colon = spec.lastIndexOf(':');
            Path file = Path.of(colon < 0 ? spec : spec.substring(0, colon));
            float scale;
            try {
                scale = colon < 0 ? 1f : Float.parseFloat(spec.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--lora expects FILE:SCALE, got " + spec);
            }
            TensorFile l = TensorFile.open(file);
            open.add(l);
            ckpt = ckpt.withLora(l, scale);
        }
        Weights controlWeights = null;
        if (useControl) {
            TensorFile cf = TensorFile.open(controlnet);
            open.add(cf);
            controlWeights = CheckpointLayout.controlNet(cf);
        }
        StableDiffusion sd = StableDiffusion.load(ckpt, controlWeights, cfgModel);
        List<String> unused = ckpt.unusedKeys();
        if (!unused.isEmpty()) {
            System.err.println("warning: " + unused.size() + " checkpoint tensors unused, e.g. "
                    + unused.subList(0, Math.min(3, unused.size())));
        }
        return sd;
    }

    private static int[] tokens(ClipTokenizer tok, String text, String what) {
        ClipTokenizer.Result r = tok.tokenize(text);
        if (r.truncated()) {
            System.err.println("warning: " + what + " has " + r.tokenCount() + " tokens; truncated to 75");
        }
        return r.ids();
    }

    /** A control map: PNG (RGB values / 255) or a safetensors tensor 'hint' [1, 3, H, W]. */
    private static Tensor readHint(Path p, int w, int h) throws IOException {
        if (p.getFileName().toString().endsWith(".safetensors")) {
            try (TensorFile f = TensorFile.open(p)) {
                StoredTensor t = f.get("hint");
                if (t == null) {
                    throw new IllegalArgumentException(p + " has no tensor 'hint'");
                }
                return checkedShape(p, "hint", t, 1, 3, h, w);
            }
        }
        FloatImage img = resize(FloatImage.read(p), w, h);
        Tensor t = imageTensor(img);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = d[i] * 0.5f + 0.5f; // imageTensor gives v/127.5 - 1; the hint is v/255
        }
        return t;
    }

    private static Tensor readTensor(Path p, String name, int... shape) {
        try (TensorFile f = TensorFile.open(p)) {
            StoredTensor t = f.get(name);
            if (t == null) {
                throw new IllegalArgumentException(p + " has no tensor '" + name + "'");
            }
            return checkedShape(p, name, t, shape);
        }
    }

    private static Tensor checkedShape(Path p, String name, StoredTensor t, int... shape) {
        long[] expected = Arrays.stream(shape).asLongStream().toArray();
        if (!Arrays.equals(t.shape(), expected)) {
            throw new IllegalArgumentException(p + ": tensor '" + name + "' has shape " + Arrays.toString(t.shape())
                    + ", expected " + Arrays.toString(expected));
        }
        return Tensor.of(t.toFloats(), shape);
    }

    /**
     * Resizes with area interpolation when shrinking and Lanczos when enlarging (as frame preparation does), on 8-bit
     * pixels as the reference does (cv2.resize of a uint8 image: OpenCV's 8-bit kernels round to whole values, which
     * the edge detector and the encoder then see).
     */
    static FloatImage resize(FloatImage img, int w, int h) {
        if (img.width == w && img.height == h) {
            return img;
        }
        try (Mat src = CvMats.toMat8(img); Mat dst = new Mat(); Size size = new Size(w, h)) {
            boolean shrink = w * h < img.width * img.height;
            opencv_imgproc.resize(src, dst, size, 0, 0, shrink ? opencv_imgproc.INTER_AREA : opencv_imgproc.INTER_LANCZOS4);
            return CvMats.fromMat8(dst);
        }
    }

    /** HWC 0..255 (1, 3 or 4 channels) -> [1, 3, H, W] in [-1, 1]: v / 127.5 - 1. */
    static Tensor imageTensor(FloatImage img) {
        int plane = img.width * img.height;
        float[] t = new float[3 * plane];
        for (int i = 0; i < plane; i++) {
            for (int ch = 0; ch < 3; ch++) {
                float v = img.data[i * img.channels + Math.min(ch, img.channels - 1)];
                t[ch * plane + i] = v / 127.5f - 1f;
            }
        }
        return Tensor.of(t, 1, 3, img.height, img.width);
    }

    private static byte[] rgbBytes(FloatImage img) {
        int plane = img.width * img.height;
        byte[] b = new byte[3 * plane];
        for (int i = 0; i < plane; i++) {
            for (int ch = 0; ch < 3; ch++) {
                b[i * 3 + ch] = (byte) FloatImage.to8(img.data[i * img.channels + Math.min(ch, img.channels - 1)]);
            }
        }
        return b;
    }

    /**
     * [1, 3, H, W] in [-1, 1] -> RGB image with the reference's 8-bit values: (x * 127.5 + 127.5) in float, clipped to
     * [0, 255] and truncated, as the original's {@code (x * 127.5 + 127.5).numpy().clip(0, 255).astype(np.uint8)}
     * does (not rounded: rounding would raise about half the pixels by one against the reference's images). The
     * values are whole numbers, so the PNG writer's rounding keeps them.
     */
    static FloatImage toImage(Tensor t) {
        int h = t.dim(2), w = t.dim(3), plane = w * h;
        FloatImage img = new FloatImage(w, h, 3);
        for (int i = 0; i < plane; i++) {
            for (int ch = 0; ch < 3; ch++) {
                img.data[i * 3 + ch] = to8Truncated(t.data()[ch * plane + i]);
            }
        }
        return img;
    }

    /** x * 127.5 + 127.5 (two float roundings, as in PyTorch), clipped to [0, 255], truncated; NaN gives 0. */
    static float to8Truncated(float x) {
        float v = x * 127.5f;
        v = v + 127.5f;
        return v >= 255f ? 255f : v > 0f ? (float) Math.floor(v) : 0f;
    }
}
