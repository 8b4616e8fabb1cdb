// Tests of kohya LoRA name mapping (full SD 1.5 layout) and merging against the tiny checkpoint.
package rerender.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rerender.testutil.Shared;

class LoraTest {
    @TempDir
    Path tmp;

    @Test
    void kohyaNamesOfTheFullSd15Layout() {
        TensorFile sd = MemoryTensorFile.fromJson(Shared.fixtures().resolve("sd15-ldm-tensors.json"), "sd15.safetensors");
        Map<String, String> n = Lora.kohyaNames(Weights.of(sd));
        String u = "model.diffusion_model.";
        // hand-written from the diffusers <-> LDM correspondence of SD 1.5 (2 res-blocks per level, 4 levels)
        Map<String, String> expected = Map.ofEntries(
                Map.entry("lora_unet_conv_in", u + "input_blocks.0.0.weight"),
                Map.entry("lora_unet_time_embedding_linear_2", u + "time_embed.2.weight"),
                Map.entry("lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q", u + "input_blocks.1.1.transformer_blocks.0.attn1.to_q.weight"),
                Map.entry("lora_unet_down_blocks_0_attentions_1_proj_in", u + "input_blocks.2.1.proj_in.weight"),
                Map.entry("lora_unet_down_blocks_0_downsamplers_0_conv", u + "input_blocks.3.0.op.weight"),
                Map.entry("lora_unet_down_blocks_2_resnets_1_conv2", u + "input_blocks.8.0.out_layers.3.weight"),
                Map.entry("lora_unet_down_blocks_1_resnets_0_conv_shortcut", u + "input_blocks.4.0.skip_connection.weight"),
                Map.entry("lora_unet_down_blocks_3_resnets_1_time_emb_proj", u + "input_blocks.11.0.emb_layers.1.weight"),
                Map.entry("lora_unet_mid_block_attentions_0_transformer_blocks_0_attn2_to_k", u + "middle_block.1.transformer_blocks.0.attn2.to_k.weight"),
                Map.entry("lora_unet_mid_block_resnets_1_conv1", u + "middle_block.2.in_layers.2.weight"),
                Map.entry("lora_unet_up_blocks_0_resnets_2_conv1", u + "output_blocks.2.0.in_layers.2.weight"),
                Map.entry("lora_unet_up_blocks_0_upsamplers_0_conv", u + "output_blocks.2.1.conv.weight"),
                Map.entry("lora_unet_up_blocks_1_upsamplers_0_conv", u + "output_blocks.5.2.conv.weight"),
                Map.entry("lora_unet_up_blocks_1_attentions_0_proj_out", u + "output_blocks.3.1.proj_out.weight"),
                Map.entry("lora_unet_up_blocks_3_attentions_2_transformer_blocks_0_ff_net_0_proj", u + "output_blocks.11.1.transformer_blocks.0.ff.net.0.proj.weight"),
                Map.entry("lora_unet_up_blocks_3_attentions_2_transformer_blocks_0_attn1_to_out_0", u + "output_blocks.11.1.transformer_blocks.0.attn1.to_out.0.weight"),
                Map.entry("lora_unet_conv_out", u + "out.2.weight"),
                Map.entry("lora_te_text_model_encoder_layers_0_self_attn_q_proj",
                        "cond_stage_model.transformer.text_model.encoder.layers.0.self_attn.q_proj.weight"),
                Map.entry("lora_te_text_model_encoder_layers_11_mlp_fc2", "cond_stage_model.transformer.text_model.encoder.layers.11.mlp.fc2.weight"));
        expected.forEach((k, v) -> assertEquals(v, n.get(k), k));
        long unetWeights = sd.keys().stream().filter(k -> k.startsWith(u) && k.endsWith(".weight")).count();
        List<String> unetTargets = n.values().stream().filter(k -> k.startsWith(u)).toList();
        assertEquals(unetWeights, unetTargets.size(), "every UNet weight has a kohya name");
        assertEquals(unetTargets.size(), unetTargets.stream().distinct().count(), "names are one-to-one");
    }

    /** A random LoRA pair for {@code module} fitting a target of shape {@code w}. */
    record Pair(String module, float[] down, long[] downShape, float[] up, long[] upShape, float alpha, int rank) {
    }

    static Pair pair(SplittableRandom r, String module, long[] w, int rank, float alpha) {
        long out = w[0];
        long[] downShape = w.length == 4 ? new long[] {rank, w[1], w[2], w[3]} : new long[] {rank, w[1]};
        long[] upShape = w.length == 4 ? new long[] {out, rank, 1, 1} : new long[] {out, rank};
        float[] d = new float[(int) Shapes.numel(downShape)];
        float[] u = new float[(int) Shapes.numel(upShape)];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) r.nextDouble(-1, 1);
        }
        for (int i = 0; i < u.length; i++) {
            u[i] = (float) r.nextDouble(-1, 1);
        }
        return new Pair(module, d, downShape, u, upShape, alpha, rank);
    }

    @Test
    void mergedWeightsSeenThroughTake() {
        Path loraPath = tmp.resolve("lora.safetensors");
        SplittableRandom r = new SplittableRandom(7);
        String u = "model.diffusion_model.";
        try (TensorFile ckpt = TensorFile.open(Shared.tiny("tiny-sd-fp32.safetensors"))) {
            // kohya module -> the LDM key it must change (tiny UNet: 2 levels, 1 res-block per level)
            Map<String, String> targets = new LinkedHashMap<>();
            targets.put("lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q", u + "input_blocks.1.1.transformer_blocks.0.attn1.to_q.weight");
            targets.put("lora_unet_down_blocks_0_resnets_0_conv1", u + "input_blocks.1.0.in_layers.2.weight");
            targets.put("lora_unet_down_blocks_0_downsamplers_0_conv", u + "input_blocks.2.0.op.weight");
            targets.put("lora_unet_mid_block_attentions_0_proj_in", u + "middle_block.1.proj_in.weight");
            targets.put("lora_unet_up_blocks_0_upsamplers_0_conv", u + "output_blocks.1.2.conv.weight");
            targets.put("lora_unet_up_blocks_1_resnets_1_conv_shortcut", u + "output_blocks.3.0.skip_connection.weight");
            targets.put("lora_te_text_model_encoder_layers_1_self_attn_q_proj", "cond_stage_model.transformer.text_model.encoder.layers.1.self_attn.q_proj.weight");
            List<Pair> pairs = new ArrayList<>();
            List<SafeTensorsWriter.Entry> entries = new ArrayList<>();
            int i = 0;
            for (var t : targets.entrySet()) {
                Pair p = pair(r, t.getKey(), ckpt.get(t.getValue()).shape(), 2 + i % 3, i == 3 ? Float.NaN : 1f + i);
                pairs.add(p);
                entries.add(new SafeTensorsWriter.Entry(p.module() + ".lora_down.weight", DType.F32, p.downShape()));
                entries.add(new SafeTensorsWriter.Entry(p.module() + ".lora_up.weight", DType.F32, p.upShape()));
                if (!Float.isNaN(p.alpha())) { // module 3 has no alpha: alpha = rank
                    entries.add(new SafeTensorsWriter.Entry(p.module() + ".alpha", DType.F32, new long[0]));
                }
                i++;
            }
            try (SafeTensorsWriter w = SafeTensorsWriter.create(loraPath, entries, Map.of())) {
                for (Pair p : pairs) {
                    w.write(p.down());
                    w.write(p.up());
                    if (!Float.isNaN(p.alpha())) {
                        w.write(new float[] {p.alpha()});
                    }
                }
            }
            float scale = 0.7f;
            try (TensorFile lora = TensorFile.open(loraPath)) {
                Weights merged = Weights.of(ckpt).withLora(lora, scale);
                for (Pair p : pairs) {
                    String key = targets.get(p.module());
                    long[] shape = ckpt.get(key).shape();
                    float[] base = ckpt.get(key).toFloats();
                    int out = (int) shape[0];
                    int in = base.length / out;
                    double alpha = Float.isNaN(p.alpha()) ? p.rank() : p.alpha();
                    float[] want = new float[base.length];
                    for (int o = 0; o < out; o++) {
                        for (int c = 0; c < in; c++) {
                            double s = 0;
                            for (int k = 0; k < p.rank(); k++) {
                                s += (double) p.up()[o * p.rank() + k] * p.down()[k * in + c];
                            }
                            want[o * in + c] = (float) (base[o * in + c] + scale * alpha / p.rank() * s);
                        }
                    }
                    float[] got = merged.take(key, shape);
                    assertArrayEquals(want, got, 1e-4f, key);
                }
                // untouched tensors and the original view stay as stored
                String other = u + "input_blocks.1.1.transformer_blocks.0.attn1.to_k.weight";
                assertArrayEquals(ckpt.get(other).toFloats(), merged.take(other, ckpt.get(other).shape()));
                String q = targets.values().iterator().next();
                assertArrayEquals(ckpt.get(q).toFloats(), Weights.of(ckpt).take(q, ckpt.get(q).shape()));
                // through the layout
                CheckpointLayout l = CheckpointLayout.of(ckpt).withLora(lora, scale);
                assertArrayEquals(merged.take(q, ckpt.get(q).shape()),
                        l.unet().take("input_blocks.1.1.transformer_blocks.0.attn1.to_q.weight", ckpt.get(q).shape()));
            }
        }
    }

    @Test
    void loraModulesMatchingNothingAreAnError() {
        try (TensorFile ckpt = TensorFile.open(Shared.tiny("tiny-sd-fp32.safetensors"))) {
            MemoryTensorFile lora = new MemoryTensorFile("bad-lora.safetensors")
                    .add("lora_unet_down_blocks_9_resnets_0_conv1.lora_down.weight", DType.F16, 4, 32, 3, 3)
                    .add("lora_unet_down_blocks_9_resnets_0_conv1.lora_up.weight", DType.F16, 32, 4, 1, 1)
                    .add("lora_te1_text_model_encoder_layers_0_self_attn_q_proj.lora_up.weight", DType.F16, 32, 4)
                    .add("lora_unet_conv_in.hada_w1_a", DType.F16, 4, 4);
            WeightException e = assertThrows(WeightException.class, () -> Weights.of(ckpt).withLora(lora, 1f));
            assertTrue(e.getMessage().contains("3 module(s) match no tensor") && e.getMessage().contains("lora_unet_down_blocks_9_resnets_0_conv1"),
                    e.getMessage());
            Lora.Plan plan = Lora.plan(Weights.of(ckpt), lora, 1f);
            assertEquals(3, plan.unmapped().size());

            MemoryTensorFile wrong = new MemoryTensorFile("wrong-lora.safetensors")
                    .add("lora_unet_conv_in.lora_down.weight", DType.F16, 4, 5, 3, 3)
                    .add("lora_unet_conv_in.lora_up.weight", DType.F16, 32, 4, 1, 1);
            WeightException e2 = assertThrows(WeightException.class, () -> Weights.of(ckpt).withLora(wrong, 1f));
            assertTrue(e2.getMessage().contains("do not fit") && e2.getMessage().contains("input_blocks.0.0.weight"), e2.getMessage());
        }
    }
}
