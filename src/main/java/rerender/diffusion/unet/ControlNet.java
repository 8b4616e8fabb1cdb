// ControlNet (Zhang et al. 2023, cldm ControlNet): a trainable copy of the UNet encoder fed with a hint image through
// input_hint_block; each input block's output goes through a zero conv, the middle block through middle_block_out.
package rerender.diffusion.unet;

import rerender.diffusion.ModelConfig;
import rerender.diffusion.nn.Conv;
import rerender.tensor.Compute;
import rerender.tensor.Tensor;
import rerender.weights.Weights;

import java.util.ArrayList;
import java.util.List;

public final class ControlNet {
    private final UNetEncoder encoder;
    private final List<Conv> hintBlock = new ArrayList<>(); // input_hint_block.{0,2,...,14}, SiLU between
    private final List<Conv> zeroConvs = new ArrayList<>(); // zero_convs.i.0: 1x1, one per input block
    private final Conv middleOut;                           // middle_block_out.0: 1x1
    private final int hintChannels;
    private final DerivedTensorCache hintCache = new DerivedTensorCache(1);

    /** w: the ControlNet's keys without the "control_model." prefix. */
    public ControlNet(Weights w, ModelConfig cfg) {
        int latent = (int) w.shape("input_blocks.0.0.weight")[1];
        encoder = new UNetEncoder(w, cfg, latent);
        hintChannels = (int) w.shape("input_hint_block.0.weight")[1];
        // cldm: conv(hint,16) conv(16,16) conv(16,32,s2) conv(32,32) conv(32,96,s2) conv(96,96) conv(96,256,s2)
        // zero_conv(256, model_channels); the image is reduced 8x to the latent size.
        int[] outs = {16, 16, 32, 32, 96, 96, 256, cfg.modelChannels()};
        int[] strides = {1, 1, 2, 1, 2, 1, 2, 1};
        int in = hintChannels;
        for (int i = 0; i < outs.length; i++) {
            hintBlock.add(Conv.load(w, "input_hint_block." + (2 * i), in, outs[i], 3, strides[i], 1));
            in = outs[i];
        }
        for (int i = 0; i < encoder.skipChannels.size(); i++) {
            int ch = encoder.skipChannels.get(i);
            zeroConvs.add(Conv.load1x1(w, "zero_convs." + i + ".0", ch, ch));
        }
        middleOut = Conv.load1x1(w, "middle_block_out.0", encoder.bottomChannels(), encoder.bottomChannels());
    }

    /** input_hint_block: hint [B, 3, 8h, 8w] -> [B, mc, h, w] (convs with SiLU between). */
    private Tensor guidedHint(Compute c, Tensor hint) {
        Tensor g = hint;
        for (int i = 0; i < hintBlock.size(); i++) {
            g = hintBlock.get(i).forward(c, g);
            if (i < hintBlock.size() - 1) {
                g = c.silu(g);
            }
        }
        return g;
    }

    public int hintChannels() {
        return hintChannels;
    }

    /** Throws unless this ControlNet's residuals fit the UNet's skips (same count and channels). */
    public void checkCompatible(UNetModel unet) {
        if (!encoder.skipChannels.equals(unet.skipChannels()) || encoder.bottomChannels() != unet.middleChannels()) {
            throw new IllegalArgumentException("ControlNet does not match the model: residual channels "
                    + encoder.skipChannels + " + middle " + encoder.bottomChannels() + ", UNet skips "
                    + unet.skipChannels() + " + middle " + unet.middleChannels());
        }
    }

    public ControlResiduals forward(Compute c, Tensor x, Tensor hint, int[] t, Tensor context, float strength) {
        return forward(c, x, hint, t, context, strength, Probe.NONE);
    }

    /**
     * x [B, 4, h, w], hint [B, 3, 8h, 8w] in [0, 1], t [B], context [B, 77, Cc] -> residuals (unscaled values,
     * carrying strength for the UNet to apply).
     */
    public ControlResiduals forward(Compute c, Tensor x, Tensor hint, int[] t, Tensor context, float strength,
                                    Probe probe) {
        if (hint.rank() != 4 || hint.dim(0) != x.dim(0) || hint.dim(1) != hintChannels
                || hint.dim(2) != 8 * x.dim(2) || hint.dim(3) != 8 * x.dim(3)) {
            throw new IllegalArgumentException("ControlNet hint " + hint + " does not fit latent " + x
                    + " (expected [B, " + hintChannels + ", 8h, 8w])");
        }
        Tensor emb = encoder.timeEmbedding(c, t);
        // the guided hint depends on the hint only: computed once per hint, not at every step and guidance pass
        Tensor g = hintCache.get(hint, () -> new Tensor[] {guidedHint(c, hint)})[0];
        probe.record("guided_hint", g); // [B, mc, h, w]
        UNetEncoder.Output enc = encoder.forward(c, x, emb, context, g, probe);
        List<Tensor> skips = new ArrayList<>();
        for (int i = 0; i < zeroConvs.size(); i++) {
            skips.add(zeroConvs.get(i).forward(c, enc.skips().get(i)));
        }
        return new ControlResiduals(skips, middleOut.forward(c, enc.middle()), strength);
    }
}
