// The Stable Diffusion VAE (ldm AutoencoderKL, Rombach et al. 2022): image [-1, 1] <-> latent with 8x down-sampling.
// Encoding returns the posterior mean (deterministic, as the reference uses); latents are scaled by 0.18215.
package rerender.diffusion.vae;

import rerender.diffusion.ModelConfig;
import rerender.diffusion.nn.Conv;
import rerender.tensor.Compute;
import rerender.tensor.Tensor;
import rerender.weights.Weights;

public final class AutoencoderKL {
    public static final float SCALE_FACTOR = 0.18215f;

    private final VaeEncoder encoder;
    private final VaeDecoder decoder;
    private final Conv quantConv;     // quant_conv: 2z -> 2z (1x1)
    private final Conv postQuantConv; // post_quant_conv: z -> z (1x1)
    private final int zChannels;
    private final int downFactor;

    /** w: the VAE's keys without the "first_stage_model." prefix (encoder.*, decoder.*, quant_conv.*, ...). */
    public AutoencoderKL(Weights w, ModelConfig cfg) {
        zChannels = (int) w.shape("post_quant_conv.weight")[0];
        encoder = new VaeEncoder(w.sub("encoder"), cfg.vaeCh(), cfg.vaeChMult(), cfg.vaeNumResBlocks(), zChannels);
        decoder = new VaeDecoder(w.sub("decoder"), cfg.vaeCh(), cfg.vaeChMult(), cfg.vaeNumResBlocks(), zChannels);
        quantConv = Conv.load1x1(w, "quant_conv", 2 * zChannels, 2 * zChannels);
        postQuantConv = Conv.load1x1(w, "post_quant_conv", zChannels, zChannels);
        downFactor = 1 << (cfg.vaeChMult().size() - 1);
    }

    public int latentChannels() {
        return zChannels;
    }

    /** Image pixels per latent pixel along each axis (8 for SD). */
    public int downFactor() {
        return downFactor;
    }

    /** image [B, 3, H, W] in [-1, 1] -> moments [B, 2z, H/f, W/f] (mean, then log-variance unclamped). */
    public Tensor moments(Compute c, Tensor image) {
        if (image.rank() != 4 || image.dim(2) % downFactor != 0 || image.dim(3) % downFactor != 0) {
            throw new IllegalArgumentException("VAE input " + image + ": height and width must be multiples of "
                    + downFactor);
        }
        return quantConv.forward(c, encoder.forward(c, image));
    }

    /** image [B, 3, H, W] in [-1, 1] -> posterior mean [B, z, H/f, W/f] (unscaled). */
    public Tensor encodeMean(Compute c, Tensor image) {
        Tensor m = moments(c, image);
        int b = m.dim(0), h = m.dim(2), w = m.dim(3), plane = zChannels * h * w;
        float[] mean = new float[b * plane];
        for (int i = 0; i < b; i++) {
            System.arraycopy(m.data(), i * 2 * plane, mean, i * plane, plane);
        }
        return Tensor.of(mean, b, zChannels, h, w);
    }

    /** image [B, 3, H, W] in [-1, 1] -> the diffusion latent: posterior mean * 0.18215. */
    public Tensor encode(Compute c, Tensor image) {
        return c.scale(encodeMean(c, image), SCALE_FACTOR);
    }

    /** Diffusion latent [B, z, h, w] -> image [B, 3, h*f, w*f], not clamped (ldm decode_first_stage). */
    public Tensor decodeRaw(Compute c, Tensor zScaled) {
        if (zScaled.rank() != 4 || zScaled.dim(1) != zChannels) {
            throw new IllegalArgumentException("VAE latent " + zScaled + ": expected [B, " + zChannels + ", h, w]");
        }
        Tensor z = c.scale(zScaled, (float) (1.0 / 0.18215)); // ldm: 1. / scale_factor * z
        return decoder.forward(c, postQuantConv.forward(c, z));
    }

    /** Diffusion latent -> image in [-1, 1] (clamped, as the reference does before converting to 8 bit). */
    public Tensor decode(Compute c, Tensor zScaled) {
        return c.clamp(decodeRaw(c, zScaled), -1f, 1f);
    }
}
