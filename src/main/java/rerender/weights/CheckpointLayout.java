// The single-file LDM checkpoint layout of SD 1.x (CompVis/ControlNet repos): where UNet, VAE and text encoder live.
package rerender.weights;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Component views of an SD 1.x checkpoint, optionally with an external VAE and LoRAs:
 * <pre>
 *   model.diffusion_model.*                    -> unet()
 *   first_stage_model.*  (or an external VAE)  -> vae()
 *   cond_stage_model.transformer.text_model.*  -> textModel()   (Hugging Face CLIPTextModel names)
 *   control_model.*      (a separate file)     -> controlNet(file)
 * </pre>
 * Files of other architectures (SDXL, SD 2.x, diffusers folders, inpainting UNets) are refused at
 * {@link #of} with a message saying what was found. Instances are immutable; with* methods return copies.
 */
public final class CheckpointLayout {
    public static final String UNET = "model.diffusion_model";
    public static final String VAE = "first_stage_model";
    public static final String TEXT = "cond_stage_model.transformer.text_model";
    public static final String CONTROL = "control_model";
    /** SD 1.x text width (CLIP ViT-L/14) = UNet cross-attention context size. */
    public static final long SD1_CONTEXT = 768;
    /** SD 2.x (OpenCLIP ViT-H/14) context width, refused. */
    static final long SD2_CONTEXT = 1024;

    private final Weights checkpoint;
    private final Weights externalVae;

    private CheckpointLayout(Weights checkpoint, Weights externalVae) {
        this.checkpoint = checkpoint;
        this.externalVae = externalVae;
    }

    /** Checks that {@code file} is an SD 1.x single-file checkpoint and gives its component views. */
    public static CheckpointLayout of(TensorFile file) {
        NavigableMap<String, StoredTensor> keys = new TreeMap<>();
        for (String k : file.keys()) {
            keys.put(legacyTextKey(k), file.get(k));
        }
        checkSd1(file, keys);
        return new CheckpointLayout(Weights.fromMap(keys, file.path().toString()), null);
    }

    /** Replaces the checkpoint's VAE with {@code vaeFile} (keys encoder.*, decoder.*, quant_conv.*, ...; or already prefixed). */
    public CheckpointLayout withVae(TensorFile vaeFile) {
        Weights v = isPrefixed(vaeFile, VAE + ".") ? Weights.of(vaeFile) : Weights.mounted(VAE, vaeFile);
        if (!v.has(VAE + ".decoder.conv_in.weight") || !v.has(VAE + ".post_quant_conv.weight")) {
            throw new WeightException(vaeFile.path() + " is not an LDM-layout VAE: no decoder.conv_in.weight / post_quant_conv.weight"
                    + describe(vaeFile.keys()));
        }
        return new CheckpointLayout(checkpoint, v);
    }

    /** Merges a kohya LoRA into the UNet and text encoder with strength {@code scale} (see {@link Weights#withLora}). */
    public CheckpointLayout withLora(TensorFile lora, float scale) {
        return new CheckpointLayout(checkpoint.withLora(lora, scale), externalVae);
    }

    /** The whole checkpoint (LDM keys), for reports. */
    public Weights root() {
        return checkpoint;
    }

    public Weights unet() {
        return checkpoint.sub(UNET);
    }

    /** The VAE with keys encoder.*, decoder.*, quant_conv.*, post_quant_conv.*, from the external file if one was given. */
    public Weights vae() {
        if (externalVae != null) {
            return externalVae.sub(VAE);
        }
        if (!checkpoint.has(VAE + ".decoder.conv_in.weight")) {
            throw new WeightException("checkpoint " + checkpoint.source() + " has no VAE (" + VAE + ".*); pass a VAE file");
        }
        return checkpoint.sub(VAE);
    }

    public Weights textModel() {
        if (!checkpoint.has(TEXT + ".embeddings.token_embedding.weight")) {
            throw new WeightException("checkpoint " + checkpoint.source() + " has no CLIP text encoder (" + TEXT + ".*)");
        }
        return checkpoint.sub(TEXT);
    }

    /** Component keys (UNet, VAE in use, text encoder) that no model took, sorted; log them after building the models. */
    public List<String> unusedKeys() {
        List<String> out = new ArrayList<>(checkpoint.unusedKeys(UNET));
        out.addAll(checkpoint.unusedKeys("cond_stage_model"));
        out.addAll(externalVae != null ? externalVae.unusedKeys("") : checkpoint.unusedKeys(VAE));
        return out;
    }

    /**
     * The ControlNet of {@code file} ({@code control_model.*}, the layout of the ControlNet 1.0/1.1 .pth and
     * .safetensors files). Other keys (1.0 files also carry a whole SD model) stay unused: see
     * {@link Weights#unusedKeys} on the returned view's root, e.g. {@code Weights.of(file).unusedKeys("")}.
     */
    public static Weights controlNet(TensorFile file) {
        Weights all = Weights.of(file);
        if (!all.has(CONTROL + ".input_hint_block.0.weight") || !all.has(CONTROL + ".zero_convs.0.0.weight")) {
            String kind = file.keys().contains("controlnet_cond_embedding.conv_in.weight")
                    ? "a diffusers-format ControlNet (convert it to the ControlNet repository's control_model.* layout)"
                    : "not a ControlNet in the control_model.* layout";
            throw new WeightException(file.path() + " is " + kind + describe(file.keys()));
        }
        long[] zc = all.shape(CONTROL + ".input_blocks.0.0.weight");
        if (zc.length != 4 || zc[1] != 4) {
            throw new WeightException(file.path() + ": control_model.input_blocks.0.0.weight has shape " + Shapes.format(zc)
                    + ", expected [C, 4, 3, 3] of an SD 1.x ControlNet");
        }
        checkContext(file, all.all(), CONTROL);
        return all.sub(CONTROL);
    }

    // ---- architecture detection ----

    private static void checkSd1(TensorFile file, NavigableMap<String, StoredTensor> keys) {
        String p = file.path().toString();
        if (!keys.subMap("conditioner.embedders.", "conditioner.embedders.\uffff").isEmpty() || keys.containsKey(UNET + ".label_emb.0.0.weight")) {
            throw new WeightException(p + " is an SDXL checkpoint (conditioner.embedders.* / label_emb), only SD 1.x is supported");
        }
        if (!keys.subMap("cond_stage_model.model.", "cond_stage_model.model.\uffff").isEmpty()) {
            throw new WeightException(p + " is an SD 2.x checkpoint (OpenCLIP text encoder cond_stage_model.model.*), only SD 1.x is supported");
        }
        if (!keys.containsKey(UNET + ".input_blocks.0.0.weight")) {
            String what;
            if (keys.keySet().stream().anyMatch(k -> k.startsWith("down_blocks.") || k.startsWith("unet."))) {
                what = "a diffusers-format model (convert it to a single-file LDM checkpoint)";
            } else if (keys.keySet().stream().anyMatch(k -> k.startsWith(CONTROL + "."))) {
                what = "a ControlNet file, not a Stable Diffusion checkpoint";
            } else if (keys.containsKey("decoder.conv_in.weight")) {
                what = "a VAE file, not a Stable Diffusion checkpoint";
            } else if (keys.keySet().stream().anyMatch(k -> k.startsWith("lora_"))) {
                what = "a LoRA file, not a Stable Diffusion checkpoint";
            } else {
                what = "not a Stable Diffusion checkpoint (no " + UNET + ".input_blocks.0.0.weight)";
            }
            throw new WeightException(p + " is " + what + describe(keys.keySet()));
        }
        long[] in = keys.get(UNET + ".input_blocks.0.0.weight").shape();
        if (in.length != 4 || in[1] != 4) {
            throw new WeightException(p + ": " + UNET + ".input_blocks.0.0.weight has shape " + Shapes.format(in)
                    + "; only 4-channel text-to-image UNets are supported (inpainting / pix2pix UNets have 8 or 9)");
        }
        checkContext(file, keys, UNET);
    }

    /** Cross-attention context width must match the CLIP text width (768 in SD 1.x; 1024 means SD 2.x). */
    private static void checkContext(TensorFile file, Map<String, StoredTensor> keys, String model) {
        StoredTensor toK = null;
        for (Map.Entry<String, StoredTensor> e : keys.entrySet()) {
            if (e.getKey().startsWith(model + ".") && e.getKey().endsWith(".attn2.to_k.weight")) {
                toK = e.getValue();
                break;
            }
        }
        if (toK == null) {
            throw new WeightException(file.path() + ": no cross-attention (" + model + ".*.attn2.to_k.weight) found; not an SD 1.x model");
        }
        long context = toK.shape()[1];
        StoredTensor tok = keys.get(TEXT + ".embeddings.token_embedding.weight");
        if (tok == null ? context == SD2_CONTEXT : context != tok.shape()[1]) {
            throw new WeightException(file.path() + ": cross-attention context width " + context + " (" + toK.name() + ")"
                    + (tok == null ? "" : " but text width " + tok.shape()[1])
                    + (context == SD2_CONTEXT ? "; this looks like an SD 2.x model" : "; not an SD 1.x model"));
        }
        StoredTensor projIn = keys.values().stream().filter(t -> t.name().endsWith(".proj_in.weight") && t.name().startsWith(model))
                .findFirst().orElse(null);
        if (projIn != null && projIn.shape().length != 4) {
            throw new WeightException(file.path() + ": " + projIn.name() + " is a linear layer " + Shapes.format(projIn.shape())
                    + " (use_linear_in_transformer, SD 2.x style); SD 1.x uses 1x1 convolutions");
        }
    }

    /** Older checkpoints store the CLIP text model without the "text_model." level (as A1111 also maps). */
    private static String legacyTextKey(String k) {
        String old = "cond_stage_model.transformer.";
        if (k.startsWith(old) && !k.startsWith(old + "text_model.")) {
            String rest = k.substring(old.length());
            if (rest.startsWith("embeddings.") || rest.startsWith("encoder.") || rest.startsWith("final_layer_norm.")) {
                return TEXT + "." + rest;
            }
        }
        return k;
    }

    private static boolean isPrefixed(TensorFile f, String prefix) {
        return f.keys().stream().anyMatch(k -> k.startsWith(prefix));
    }

    /** " (found: prefixes a.*, b.*, ...)" for error messages. */
    static String describe(java.util.Collection<String> keys) {
        TreeSet<String> prefixes = new TreeSet<>();
        for (String k : keys) {
            int dot = k.indexOf('.');
            prefixes.add(dot < 0 ? k : k.substring(0, dot) + ".*");
            if (prefixes.size() > 8) {
                break;
            }
        }
        return " (found " + keys.size() + " keys: " + String.join(", ", prefixes) + (prefixes.size() > 8 ? ", ..." : "") + ")";
    }
}
