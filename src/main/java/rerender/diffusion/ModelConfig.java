// Architecture settings that tensor shapes cannot tell (head counts, block layout): the project's flat JSON
// model-config format (see fixtures/sd15-config.json). Missing keys take the Stable Diffusion 1.5 value.
package rerender.diffusion;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * @param modelChannels        UNet base channels (SD 1.5: 320)
 * @param attentionResolutions down-sampling factors (1, 2, 4, ...) at which UNet levels carry a transformer
 * @param numResBlocks         res-blocks per UNet level (decoder has one more)
 * @param channelMult          UNet channel multiplier per level
 * @param numHeads             attention heads of every UNet transformer (not visible in shapes)
 * @param contextDim           cross-attention context width (text encoder width)
 * @param transformerDepth     transformer blocks per SpatialTransformer
 * @param vaeCh                VAE base channels
 * @param vaeChMult            VAE channel multiplier per level (levels - 1 = number of 2x down-samplings)
 * @param vaeNumResBlocks      VAE res-blocks per level
 * @param clipWidth            text encoder width
 * @param clipLayers           text encoder layers
 * @param clipHeads            text encoder heads
 * @param clipIntermediate     text encoder MLP width
 * @param vocab                token vocabulary size
 * @param maxPos               token positions (77)
 */
public record ModelConfig(String name, int modelChannels, List<Integer> attentionResolutions, int numResBlocks,
                          List<Integer> channelMult, int numHeads, int contextDim, int transformerDepth,
                          int vaeCh, List<Integer> vaeChMult, int vaeNumResBlocks,
                          int clipWidth, int clipLayers, int clipHeads, int clipIntermediate, int vocab, int maxPos) {

    public ModelConfig {
        attentionResolutions = List.copyOf(attentionResolutions);
        channelMult = List.copyOf(channelMult);
        vaeChMult = List.copyOf(vaeChMult);
        positive("model_channels", modelChannels);
        positive("num_res_blocks", numResBlocks);
        positive("num_heads", numHeads);
        positive("context_dim", contextDim);
        positive("transformer_depth", transformerDepth);
        positive("vae_ch", vaeCh);
        positive("vae_num_res_blocks", vaeNumResBlocks);
        positive("clip_width", clipWidth);
        positive("clip_layers", clipLayers);
        positive("clip_heads", clipHeads);
        positive("clip_intermediate", clipIntermediate);
        positive("vocab", vocab);
        positive("max_pos", maxPos);
        if (channelMult.isEmpty() || vaeChMult.isEmpty()) {
            throw new IllegalArgumentException("channel_mult and vae_ch_mult must not be empty");
        }
        if (clipWidth % clipHeads != 0) {
            throw new IllegalArgumentException("clip_width " + clipWidth + " not divisible by clip_heads " + clipHeads);
        }
    }

    /** Stable Diffusion 1.5 (v1-inference.yaml / cldm_v15.yaml). */
    public static ModelConfig sd15() {
        return new ModelConfig("sd15", 320, List.of(4, 2, 1), 2, List.of(1, 2, 4, 4), 8, 768, 1,
                128, List.of(1, 2, 4, 4), 2, 768, 12, 12, 3072, 49408, 77);
    }

    private static final Set<String> KNOWN = Set.of("name", "model_channels", "attention_resolutions",
            "num_res_blocks", "channel_mult", "num_heads", "context_dim", "transformer_depth", "use_checkpoint",
            "vae_ch", "vae_ch_mult", "vae_num_res_blocks", "vae_resolution", "clip_width", "clip_layers",
            "clip_heads", "clip_intermediate", "vocab", "max_pos");

    /** Reads the flat JSON format; unknown keys are an error (a typo would otherwise silently fall back). */
    public static ModelConfig read(Path file) throws IOException {
        JsonNode n = new ObjectMapper().readTree(file.toFile());
        if (n == null || !n.isObject()) {
            throw new IOException(file + ": model config must be a JSON object");
        }
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!KNOWN.contains(k)) {
                throw new IOException(file + ": unknown model-config key \"" + k + "\" (known: " + KNOWN + ")");
            }
        }
        ModelConfig d = sd15();
        try {
            return new ModelConfig(n.path("name").asText(file.getFileName().toString()),
                    integer(n, "model_channels", d.modelChannels), ints(n, "attention_resolutions",
                    d.attentionResolutions), integer(n, "num_res_blocks", d.numResBlocks),
                    ints(n, "channel_mult", d.channelMult), integer(n, "num_heads", d.numHeads),
                    integer(n, "context_dim", d.contextDim), integer(n, "transformer_depth", d.transformerDepth),
                    integer(n, "vae_ch", d.vaeCh), ints(n, "vae_ch_mult", d.vaeChMult),
                    integer(n, "vae_num_res_blocks", d.vaeNumResBlocks), integer(n, "clip_width", d.clipWidth),
                    integer(n, "clip_layers", d.clipLayers), integer(n, "clip_heads", d.clipHeads),
                    integer(n, "clip_intermediate", d.clipIntermediate), integer(n, "vocab", d.vocab),
                    integer(n, "max_pos", d.maxPos));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    private static int integer(JsonNode n, String key, int dflt) {
        JsonNode v = n.get(key);
        if (v == null) {
            return dflt;
        }
        if (!v.canConvertToInt() || !v.isIntegralNumber()) {
            throw new IllegalArgumentException(key + " must be an integer, got " + v);
        }
        return v.asInt();
    }

    private static List<Integer> ints(JsonNode n, String key, List<Integer> dflt) {
        JsonNode v = n.get(key);
        if (v == null) {
            return dflt;
        }
        if (!v.isArray()) {
            throw new IllegalArgumentException(key + " must be an array of integers, got " + v);
        }
        List<Integer> r = new ArrayList<>();
        for (JsonNode e : v) {
            if (!e.isIntegralNumber()) {
                throw new IllegalArgumentException(key + " must be an array of integers, got " + v);
            }
            r.add(e.asInt());
        }
        return r;
    }

    private static void positive(String key, int v) {
        if (v <= 0) {
            throw new IllegalArgumentException(key + " must be positive, got " + v);
        }
    }
}
