// Tests of the LDM checkpoint layout: component views, external VAE, ControlNet files, refusal of other architectures.
package rerender.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rerender.testutil.Shared;

class CheckpointLayoutTest {
    @TempDir
    Path tmp;

    @Test
    void tinyCheckpointComponents() {
        try (TensorFile f = TensorFile.open(Shared.tiny("tiny-sd-fp16.safetensors"))) {
            CheckpointLayout l = CheckpointLayout.of(f);
            assertArrayEquals(new long[] {32, 4, 3, 3}, l.unet().shape("input_blocks.0.0.weight"));
            assertArrayEquals(new long[] {49408, 32}, l.textModel().shape("embeddings.token_embedding.weight"));
            assertTrue(l.vae().has("decoder.conv_in.weight"));
            float[] q = l.vae().take("quant_conv.weight", l.vae().shape("quant_conv.weight"));
            assertArrayEquals(f.get("first_stage_model.quant_conv.weight").toFloats(), q);
            assertFalse(l.unusedKeys().contains("first_stage_model.quant_conv.weight"));
            assertTrue(l.unusedKeys().contains("first_stage_model.post_quant_conv.weight"));
            assertFalse(l.unusedKeys().contains("betas"), "schedule buffers are outside the components");
        }
    }

    @Test
    void fullSizeSd15AndControlNetKeySetsAreAccepted() {
        TensorFile sd = MemoryTensorFile.fromJson(Shared.fixtures().resolve("sd15-ldm-tensors.json"), "sd15.safetensors");
        CheckpointLayout l = CheckpointLayout.of(sd);
        assertArrayEquals(new long[] {320, 4, 3, 3}, l.unet().shape("input_blocks.0.0.weight"));
        assertArrayEquals(new long[] {49408, 768}, l.textModel().shape("embeddings.token_embedding.weight"));
        assertEquals(1143 - 12, l.unusedKeys().size(), "everything but the 12 schedule buffers is a component key");

        TensorFile cn = MemoryTensorFile.fromJson(Shared.fixtures().resolve("controlnet-sd15-tensors.json"), "cn.safetensors");
        Weights c = CheckpointLayout.controlNet(cn);
        assertEquals("control_model", c.prefix());
        assertArrayEquals(new long[] {320, 4, 3, 3}, c.shape("input_blocks.0.0.weight"));
    }

    @Test
    void controlNet10FileCarryingAWholeSdModelUsesOnlyControlModel() {
        MemoryTensorFile both = MemoryTensorFile.fromJson(Shared.fixtures().resolve("controlnet-sd15-tensors.json"), "control_sd15_canny.pth");
        both.add("model.diffusion_model.input_blocks.0.0.weight", DType.F16, 320, 4, 3, 3);
        both.add("first_stage_model.decoder.conv_in.weight", DType.F16, 512, 4, 3, 3);
        Weights c = CheckpointLayout.controlNet(both);
        c.take("input_hint_block.0.weight", c.shape("input_hint_block.0.weight"));
        Weights root = Weights.of(both);
        assertTrue(root.has("model.diffusion_model.input_blocks.0.0.weight"));
        List<String> unused = c.unusedKeys("");
        assertEquals(339, unused.size());
        assertTrue(unused.stream().allMatch(k -> k.startsWith("control_model.")));
    }

    @Test
    void tinyControlNet() {
        try (TensorFile f = TensorFile.open(Shared.tiny("tiny-control-fp32.safetensors"))) {
            Weights c = CheckpointLayout.controlNet(f);
            assertTrue(c.has("zero_convs.0.0.weight"));
        }
    }

    @Test
    void externalVaeIsSeenUnderTheSameKeys() {
        Path vaePath = tmp.resolve("vae.safetensors");
        try (TensorFile f = TensorFile.open(Shared.tiny("tiny-sd-fp32.safetensors"))) {
            Map<String, float[]> v = new LinkedHashMap<>();
            Map<String, long[]> s = new LinkedHashMap<>();
            for (String k : f.keys()) {
                if (k.startsWith("first_stage_model.")) {
                    float[] x = f.get(k).toFloats();
                    for (int i = 0; i < x.length; i++) {
                        x[i] += 1f; // distinguishable from the checkpoint's own VAE
                    }
                    v.put(k.substring("first_stage_model.".length()), x);
                    s.put(k.substring("first_stage_model.".length()), f.get(k).shape());
                }
            }
            SafeTensorsWriter.write(vaePath, v, s, DType.F32);
            try (TensorFile vae = TensorFile.open(vaePath)) {
                CheckpointLayout l = CheckpointLayout.of(f).withVae(vae);
                float[] got = l.vae().take("decoder.conv_in.weight", l.vae().shape("decoder.conv_in.weight"));
                float[] own = f.get("first_stage_model.decoder.conv_in.weight").toFloats();
                for (int i = 0; i < own.length; i++) {
                    assertEquals(own[i] + 1f, got[i], 0f);
                }
                assertTrue(l.unusedKeys().contains("first_stage_model.decoder.conv_out.weight"));
                assertEquals(v.size() - 1, l.unusedKeys().stream().filter(k -> k.startsWith("first_stage_model.")).count());
                // a checkpoint is not a VAE
                WeightException e = assertThrows(WeightException.class, () -> CheckpointLayout.of(f).withVae(
                        TensorFile.open(Shared.tiny("tiny-control-fp16.safetensors"))));
                assertTrue(e.getMessage().contains("not an LDM-layout VAE"), e.getMessage());
            }
        }
    }

    @Test
    void otherArchitecturesAreRefusedWithWhatWasFound() {
        MemoryTensorFile sdxl = new MemoryTensorFile("sdxl.safetensors")
                .add("conditioner.embedders.0.transformer.text_model.embeddings.token_embedding.weight", DType.F16, 49408, 768)
                .add("model.diffusion_model.input_blocks.0.0.weight", DType.F16, 320, 4, 3, 3)
                .add("model.diffusion_model.label_emb.0.0.weight", DType.F16, 1280, 2816);
        assertMessage(sdxl, "sdxl.safetensors is an SDXL checkpoint");

        MemoryTensorFile sd2 = new MemoryTensorFile("sd2.ckpt")
                .add("cond_stage_model.model.token_embedding.weight", DType.F16, 49408, 1024)
                .add("model.diffusion_model.input_blocks.0.0.weight", DType.F16, 320, 4, 3, 3);
        assertMessage(sd2, "is an SD 2.x checkpoint");

        MemoryTensorFile wide = MemoryTensorFile.fromJson(Shared.fixtures().resolve("sd15-ldm-tensors.json"), "odd.safetensors")
                .without("cond_stage_model.").without("model.diffusion_model.input_blocks.1.1.transformer_blocks.0.attn2.to_k")
                .add("model.diffusion_model.input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight", DType.F16, 320, 1024);
        assertMessage(wide, "context width 1024");

        MemoryTensorFile inpaint = MemoryTensorFile.fromJson(Shared.fixtures().resolve("sd15-ldm-tensors.json"), "inpaint.ckpt")
                .without("model.diffusion_model.input_blocks.0.0.weight")
                .add("model.diffusion_model.input_blocks.0.0.weight", DType.F16, 320, 9, 3, 3);
        assertMessage(inpaint, "[320, 9, 3, 3]");

        MemoryTensorFile diffusers = new MemoryTensorFile("unet.safetensors").add("down_blocks.0.resnets.0.conv1.weight", DType.F16, 320, 320, 3, 3);
        assertMessage(diffusers, "diffusers-format");

        try (TensorFile cn = TensorFile.open(Shared.tiny("tiny-control-fp16.safetensors"))) {
            assertMessage(cn, "is a ControlNet file, not a Stable Diffusion checkpoint");
        }
        try (TensorFile sd = TensorFile.open(Shared.tiny("tiny-sd-fp16.safetensors"))) {
            WeightException e = assertThrows(WeightException.class, () -> CheckpointLayout.controlNet(sd));
            assertTrue(e.getMessage().contains("not a ControlNet") && e.getMessage().contains("model.*"), e.getMessage());
        }
    }

    @Test
    void legacyTextEncoderKeysAreMapped() {
        MemoryTensorFile f = MemoryTensorFile.fromJson(Shared.fixtures().resolve("sd15-ldm-tensors.json"), "old.ckpt")
                .without("cond_stage_model.")
                .add("cond_stage_model.transformer.embeddings.token_embedding.weight", DType.F16, 49408, 768)
                .add("cond_stage_model.transformer.final_layer_norm.weight", DType.F16, 768);
        CheckpointLayout l = CheckpointLayout.of(f);
        assertArrayEquals(new long[] {768}, l.textModel().shape("final_layer_norm.weight"));
    }

    private static void assertMessage(TensorFile f, String part) {
        WeightException e = assertThrows(WeightException.class, () -> CheckpointLayout.of(f));
        assertTrue(e.getMessage().contains(part), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }
}
