// The Stable Diffusion noise predictor eps(x_t, t, context): ldm openaimodel UNetModel with the optional
// ControlNet residuals of cldm ControlledUnetModel. Built from "model.diffusion_model.*" keys + a ModelConfig.
package rerender.diffusion.unet;

import rerender.diffusion.ModelConfig;
import rerender.diffusion.nn.Conv;
import rerender.diffusion.nn.GroupNorm;
import rerender.tensor.Compute;
import rerender.tensor.Tensor;
import rerender.weights.Weights;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

public final class UNetModel {
    private final UNetEncoder encoder;             // time_embed, input_blocks, middle_block
    private final List<UNetBlock> outputBlocks = new ArrayList<>();
    private final GroupNorm outNorm;               // out.0
    private final Conv outConv;                    // out.2: mc -> latent channels
    private final int latentChannels;
    private final Map<String, CrossAttention> attention;
    /** Deepest decoder width (model_channels x channel_mult[-1]; 1280 in SD 1.5), FreeU's trigger. */
    private final int deepestChannels;
    private volatile FreeU freeU = FreeU.OFF;

    /** w: the UNet's keys without prefix (e.g. CheckpointLayout.unet()), cfg: layout and head count. */
    public UNetModel(Weights w, ModelConfig cfg) {
        latentChannels = (int) w.shape("input_blocks.0.0.weight")[1];
        encoder = new UNetEncoder(w, cfg, latentChannels);
        List<Integer> skips = new ArrayList<>(encoder.skipChannels);
        int mc = cfg.modelChannels(), ch = encoder.bottomChannels(), ds = encoder.finalLevelDs;
        List<Integer> mult = cfg.channelMult();
        for (int level = mult.size() - 1; level >= 0; level--) {
            for (int i = 0; i <= cfg.numResBlocks(); i++) {
                String name = "output_blocks." + outputBlocks.size();
                int skip = skips.remove(skips.size() - 1);
                int out = mc * mult.get(level);
                List<TimestepBlock> layers = new ArrayList<>();
                layers.add(new ResBlock(w, name + ".0", ch + skip, out, encoder.embDim));
                ch = out;
                if (cfg.attentionResolutions().contains(ds)) {
                    layers.add(encoder.transformer(w, name + "." + layers.size(), ch, cfg));
                }
                if (level > 0 && i == cfg.numResBlocks()) {
                    layers.add(new Upsample(w, name + "." + layers.size(), ch));
                    ds /= 2;
                }
                outputBlocks.add(new UNetBlock(name, layers));
            }
        }
        outNorm = GroupNorm.load(w, "out.0", ch, 32, ResBlock.EPS);
        outConv = Conv.load3x3(w, "out.2", ch, latentChannels);
        attention = Collections.unmodifiableMap(new LinkedHashMap<>(encoder.attention));
        deepestChannels = mc * mult.get(mult.size() - 1);
    }

    /** Installs FreeU factors for later forward calls ({@link FreeU#OFF} removes them). */
    public void setFreeU(FreeU f) {
        freeU = java.util.Objects.requireNonNull(f);
    }

    public FreeU freeU() {
        return freeU;
    }

    public int latentChannels() {
        return latentChannels;
    }

    /** Channels of the skip connections hs[i] (what ControlNet residuals must match), in input-block order. */
    public List<Integer> skipChannels() {
        return List.copyOf(encoder.skipChannels);
    }

    public int middleChannels() {
        return encoder.bottomChannels();
    }

    /** Paths of all attention layers (attn1 = self, attn2 = cross), in execution order. */
    public Set<String> attentionPaths() {
        return attention.keySet();
    }

    public CrossAttention attentionLayer(String path) {
        CrossAttention a = attention.get(path);
        if (a == null) {
            throw new IllegalArgumentException("no attention layer \"" + path + "\"; known: " + attention.keySet());
        }
        return a;
    }

    /** Installs processor p on the layer at path (null restores the default); unknown paths throw. */
    public void setProcessor(String path, AttentionProcessor p) {
        attentionLayer(path).setProcessor(p);
    }

    /** Restores the default processor on every layer. */
    public void resetProcessors() {
        for (CrossAttention a : attention.values()) {
            a.setProcessor(null);
        }
    }

    public Tensor forward(Compute c, Tensor x, int[] t, Tensor context, ControlResiduals control) {
        return forward(c, x, t, context, control, Probe.NONE);
    }

    /**
     * eps prediction. x [B, 4, h, w], t [B] timesteps, context [B, 77, Cc], control may be null
     * -> eps [B, 4, h, w]. h and w must be divisible by 2^(levels-1).
     */
    public Tensor forward(Compute c, Tensor x, int[] t, Tensor context, ControlResiduals control, Probe probe) {
        int b = x.dim(0);
        if (x.rank() != 4 || x.dim(1) != latentChannels || t.length != b || context.dim(0) != b) {
            throw new IllegalArgumentException("UNet input " + x + " with " + t.length + " timesteps and context "
                    + context + " (expected [B, " + latentChannels + ", h, w], B timesteps, [B, M, C])");
        }
        int f = encoder.finalLevelDs;
        if (x.dim(2) % f != 0 || x.dim(3) % f != 0) {
            throw new IllegalArgumentException("latent size " + x.dim(2) + "x" + x.dim(3) + " not divisible by " + f);
        }
        if (control != null && control.skips().size() != encoder.inputBlocks.size()) {
            throw new IllegalArgumentException("ControlNet gives " + control.skips().size()
                    + " skip residuals, the UNet has " + encoder.inputBlocks.size() + " skips");
        }
        Tensor emb = encoder.timeEmbedding(c, t);  // [B, 4mc]
        probe.record("time_embed", emb);
        UNetEncoder.Output enc = encoder.forward(c, x, emb, context, null, probe);
        Tensor h = enc.middle();
        if (control != null) {
            h = c.addScaled(h, control.middle(), control.strength());
        }
        List<Tensor> hs = new ArrayList<>(enc.skips());
        for (UNetBlock block : outputBlocks) {
            int i = hs.size() - 1;
            Tensor skip = hs.remove(i);
            FreeU fu = freeU;
            if (!fu.isOff()) {
                if (h.dim(1) == deepestChannels) {
                    h = FreeU.scaleBackbone(h, deepestChannels / 2, fu.b1());
                    skip = FreeU.fourierFilter(skip, fu.s1());
                } else if (h.dim(1) == deepestChannels / 2) {
                    h = FreeU.scaleBackbone(h, deepestChannels / 4, fu.b2());
                    skip = FreeU.fourierFilter(skip, fu.s2());
                }
            }
            if (control != null) {
                skip = c.addScaled(skip, control.skips().get(i), control.strength());
            }
            h = block.forward(c, c.catChannels(h, skip), emb, context); // [B, C+Cs, H, W] -> [B, C', H', W']
            probe.record(block.name(), h);
        }
        return outConv.forward(c, outNorm.forwardSilu(c, h));  // [B, mc, h, w] -> [B, 4, h, w]
    }
}
