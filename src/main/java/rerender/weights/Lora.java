// Kohya-format LoRA files: maps lora_unet_* / lora_te_* module names onto LDM checkpoint keys and plans the merges.
package rerender.weights;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A kohya LoRA stores, per adapted module, {@code <name>.lora_down.weight} [rank, in(, kh, kw)],
 * {@code <name>.lora_up.weight} [out, rank(, 1, 1)] and optionally {@code <name>.alpha} (scalar; default rank).
 * Names are the diffusers module path with '.' replaced by '_', prefixed {@code lora_unet_} (UNet, diffusers
 * names such as {@code down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q}) or {@code lora_te_} (text
 * encoder, Hugging Face names such as {@code text_model_encoder_layers_0_self_attn_q_proj}).
 * <p>
 * The mapping is built backwards: every weight of the checkpoint's UNet (LDM names, e.g.
 * {@code input_blocks.1.1.transformer_blocks.0.attn1.to_q}) is given its diffusers name from the UNet's block
 * structure, which is read from the keys (number of levels = downsamplers + 1, res-blocks per level), so
 * underscores never have to be split.
 */
final class Lora {
    private Lora() {
    }

    /** Deltas by full LDM key; unmapped lists LoRA modules (or keys) that match nothing, with the reason. */
    record Plan(Map<String, LoraDelta> deltas, List<String> unmapped) {
    }

    private static final Pattern KEY = Pattern.compile("(.+)\\.(lora_down\\.weight|lora_up\\.weight|alpha)");

    static Plan plan(Weights root, TensorFile lora, float scale) {
        Map<String, String> names = kohyaNames(root);
        Map<String, Map<String, StoredTensor>> modules = new TreeMap<>();
        List<String> unmapped = new ArrayList<>();
        for (String k : lora.keys()) {
            Matcher m = KEY.matcher(k);
            if (!m.matches()) {
                unmapped.add(k + " (unsupported LoRA key kind)");
                continue;
            }
            modules.computeIfAbsent(m.group(1), x -> new HashMap<>()).put(m.group(2), lora.get(k));
        }
        Map<String, LoraDelta> deltas = new LinkedHashMap<>();
        for (var e : modules.entrySet()) {
            String module = e.getKey();
            StoredTensor down = e.getValue().get("lora_down.weight");
            StoredTensor up = e.getValue().get("lora_up.weight");
            String target = names.get(module);
            if (target == null) {
                unmapped.add(module);
                continue;
            }
            String where = "LoRA module '" + module + "' in " + lora.path();
            if (down == null || up == null) {
                throw new WeightException(where + ": needs both lora_down.weight and lora_up.weight");
            }
            long[] w = root.shape(target);
            long rank = down.shape()[0];
            long out = w[0];
            long in = Shapes.numel(w) / Math.max(out, 1);
            if (down.numel() != rank * in || up.numel() != out * rank || up.shape()[0] != out || up.shape().length < 2 || up.shape()[1] != rank) {
                throw new WeightException(where + ": down " + Shapes.format(down.shape()) + " and up " + Shapes.format(up.shape())
                        + " do not fit '" + target + "' " + Shapes.format(w));
            }
            StoredTensor a = e.getValue().get("alpha");
            float alpha = a == null ? rank : a.toFloats()[0];
            deltas.put(target, new LoraDelta(module, down, up, scale * alpha / rank));
        }
        return new Plan(deltas, unmapped);
    }

    /** kohya module name -> full LDM weight key, for every weight of the UNet and text encoder in {@code root}. */
    static Map<String, String> kohyaNames(Weights root) {
        Map<String, String> out = new HashMap<>();
        String unetPrefix = CheckpointLayout.UNET + ".";
        String textPrefix = CheckpointLayout.TEXT + ".";
        UnetStructure s = UnetStructure.of(root);
        for (String key : root.all().keySet()) {
            if (!key.endsWith(".weight")) {
                continue;
            }
            String module = key.substring(0, key.length() - ".weight".length());
            if (key.startsWith(unetPrefix) && s != null) {
                String d = s.diffusersName(module.substring(unetPrefix.length()));
                if (d != null) {
                    out.put("lora_unet_" + d.replace('.', '_'), key);
                }
            } else if (key.startsWith(textPrefix)) {
                out.put("lora_te_text_model_" + module.substring(textPrefix.length()).replace('.', '_'), key);
            }
        }
        return out;
    }

    /** The block layout of an LDM UNet: levels and res-blocks per level, read from the keys. */
    record UnetStructure(int levels, int resBlocks, Weights unet) {
        private static final Map<String, String> RESNET = Map.of(
                "in_layers.0", "norm1", "in_layers.2", "conv1", "emb_layers.1", "time_emb_proj",
                "out_layers.0", "norm2", "out_layers.3", "conv2", "skip_connection", "conv_shortcut");

        static UnetStructure of(Weights root) {
            Weights unet = root.sub(CheckpointLayout.UNET);
            int inputs = 0;
            int downs = 0;
            while (unet.has("input_blocks." + inputs + ".0.weight") || unet.has("input_blocks." + inputs + ".0.op.weight")
                    || unet.has("input_blocks." + inputs + ".0.in_layers.2.weight")) {
                if (unet.has("input_blocks." + inputs + ".0.op.weight")) {
                    downs++;
                }
                inputs++;
            }
            if (inputs == 0) {
                return null;
            }
            int levels = downs + 1;
            if (inputs % levels != 0) {
                throw new WeightException("UNet of " + root.source() + " has " + inputs + " input blocks and " + downs
                        + " downsamplers: not an LDM UNet layout");
            }
            return new UnetStructure(levels, inputs / levels - 1, unet);
        }

        /** LDM module path (relative to model.diffusion_model) -> diffusers module path, or null. */
        String diffusersName(String m) {
            String[] p = m.split("\\.", 4);
            switch (p[0]) {
                case "time_embed" -> {
                    return p.length == 2 && p[1].equals("0") ? "time_embedding.linear_1"
                            : p.length == 2 && p[1].equals("2") ? "time_embedding.linear_2" : null;
                }
                case "out" -> {
                    return p.length == 2 && p[1].equals("0") ? "conv_norm_out" : p.length == 2 && p[1].equals("2") ? "conv_out" : null;
                }
                case "input_blocks" -> {
                    int i = Integer.parseInt(p[1]);
                    if (i == 0) {
                        return m.equals("input_blocks.0.0") ? "conv_in" : null;
                    }
                    int level = (i - 1) / (resBlocks + 1);
                    int j = (i - 1) % (resBlocks + 1);
                    String rest = p.length > 3 ? p[3] : "";
                    if (j == resBlocks) {
                        return p[2].equals("0") && rest.equals("op") ? "down_blocks." + level + ".downsamplers.0.conv" : null;
                    }
                    return inner("down_blocks." + level, p[2], j, rest);
                }
                case "middle_block" -> {
                    String rest = p.length > 3 ? p[2] + "." + p[3] : p.length > 2 ? p[2] : "";
                    return switch (p[1]) {
                        case "0" -> resnet("mid_block.resnets.0", rest);
                        case "1" -> "mid_block.attentions.0." + rest;
                        case "2" -> resnet("mid_block.resnets.1", rest);
                        default -> null;
                    };
                }
                case "output_blocks" -> {
                    int i = Integer.parseInt(p[1]);
                    int level = i / (resBlocks + 1);
                    int j = i % (resBlocks + 1);
                    String rest = p.length > 3 ? p[3] : "";
                    boolean upsampler = rest.equals("conv") && !unet.has("output_blocks." + i + "." + p[2] + ".proj_in.weight");
                    if (upsampler && !p[2].equals("0")) {
                        return "up_blocks." + level + ".upsamplers.0.conv";
                    }
                    return inner("up_blocks." + level, p[2], j, rest);
                }
                default -> {
                    return null;
                }
            }
        }

        private static String inner(String block, String sub, int j, String rest) {
            return switch (sub) {
                case "0" -> resnet(block + ".resnets." + j, rest);
                case "1" -> block + ".attentions." + j + "." + rest;
                default -> null;
            };
        }

        private static String resnet(String prefix, String rest) {
            String r = RESNET.get(rest);
            return r == null ? null : prefix + "." + r;
        }
    }
}
