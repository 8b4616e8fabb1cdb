// The encoder half shared by the UNet and the ControlNet (ldm openaimodel / cldm): time embedding,
// input_blocks (conv_in, res-blocks with transformers, strided-conv down-sampling) and middle_block.
package rerender.diffusion.unet;

import rerender.diffusion.ModelConfig;
import rerender.diffusion.nn.Conv;
import rerender.diffusion.nn.Linear;
import rerender.tensor.Compute;
import rerender.tensor.Tensor;
import rerender.weights.Weights;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

final class UNetEncoder {
    /** Hidden states after each input block (the skips hs[i], [B, C_i, H_i, W_i]) and after the middle block. */
    record Output(List<Tensor> skips, Tensor middle) {
    }

    final int modelChannels;
    final int embDim;                 // 4 * model channels
    private final Linear timeEmbed0;  // time_embed.0: mc -> 4mc
    private final Linear timeEmbed2;  // time_embed.2: 4mc -> 4mc (after SiLU)
    final List<UNetBlock> inputBlocks = new ArrayList<>();
    final UNetBlock middleBlock;
    final List<Integer> skipChannels = new ArrayList<>(); // channels of hs[i]
    final int finalLevelDs;           // down-sampling factor at the bottom level
    final Map<String, CrossAttention> attention = new LinkedHashMap<>(); // by path, in execution order

    UNetEncoder(Weights w, ModelConfig cfg, int inChannels) {
        modelChannels = cfg.modelChannels();
        embDim = 4 * modelChannels;
        timeEmbed0 = Linear.load(w, "time_embed.0", modelChannels, embDim);
        timeEmbed2 = Linear.load(w, "time_embed.2", embDim, embDim);
        inputBlocks.add(new UNetBlock("input_blocks.0",
                List.of(new ConvIn(Conv.load3x3(w, "input_blocks.0.0", inChannels, modelChannels)))));
        skipChannels.add(modelChannels);
        int ch = modelChannels, ds = 1;
        List<Integer> mult = cfg.channelMult();
        for (int level = 0; level < mult.size(); level++) {
            for (int r = 0; r < cfg.numResBlocks(); r++) {
                String name = "input_blocks." + inputBlocks.size();
                List<TimestepBlock> layers = new ArrayList<>();
                int out = mult.get(level) * modelChannels;
                layers.add(new ResBlock(w, name + ".0", ch, out, embDim));
                ch = out;
                if (cfg.attentionResolutions().contains(ds)) {
                    layers.add(transformer(w, name + ".1", ch, cfg));
                }
                inputBlocks.add(new UNetBlock(name, layers));
                skipChannels.add(ch);
            }
            if (level != mult.size() - 1) {
                String name = "input_blocks." + inputBlocks.size();
                inputBlocks.add(new UNetBlock(name, List.of(new Downsample(w, name + ".0", ch))));
                skipChannels.add(ch);
                ds *= 2;
            }
        }
        finalLevelDs = ds;
        middleBlock = new UNetBlock("middle_block", List.of(
                new ResBlock(w, "middle_block.0", ch, ch, embDim),
                transformer(w, "middle_block.1", ch, cfg),
                new ResBlock(w, "middle_block.2", ch, ch, embDim)));
    }

    /** A SpatialTransformer whose attention layers are registered by path. */
    SpatialTransformer transformer(Weights w, String name, int ch, ModelConfig cfg) {
        SpatialTransformer st = new SpatialTransformer(w, name, ch, cfg.contextDim(), cfg.numHeads(),
                cfg.transformerDepth());
        for (BasicTransformerBlock b : st.blocks) {
            attention.put(b.attn1.path(), b.attn1);
            attention.put(b.attn2.path(), b.attn2);
        }
        return st;
    }

    int bottomChannels() {
        return skipChannels.get(skipChannels.size() - 1);
    }

    /** t [B] -> emb [B, 4mc]: sinusoidal embedding, linear, SiLU, linear. */
    Tensor timeEmbedding(Compute c, int[] t) {
        Tensor s = Compute.timestepEmbedding(t, modelChannels);  // [B, mc]
        return timeEmbed2.forward(c, c.silu(timeEmbed0.forward(c, s)));
    }

    /**
     * x [B, Cin, H, W] -> skips and middle output. afterFirst (ControlNet's guided hint, [B, mc, H, W]) is added
     * to the output of input_blocks.0 when not null.
     */
    Output forward(Compute c, Tensor x, Tensor emb, Tensor context, Tensor afterFirst, Probe probe) {
        List<Tensor> skips = new ArrayList<>();
        Tensor h = x;
        for (UNetBlock b : inputBlocks) {
            h = b.forward(c, h, emb, context);
            if (afterFirst != null && skips.isEmpty()) {
                h = c.addInPlace(h, afterFirst); // h is input_blocks.0's own fresh output
            }
            probe.record(b.name(), h);
            skips.add(h);
        }
        h = middleBlock.forward(c, h, emb, context);
        probe.record("middle_block", h);
        return new Output(skips, h);
    }
}
