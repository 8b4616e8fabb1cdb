// The models of one Stable Diffusion 1.x setup (text encoder, UNet, VAE, optional ControlNet), built from an LDM
// checkpoint layout plus a ModelConfig. Holds no execution state; sampling lives in ImageSampler.
package rerender.diffusion;

import rerender.diffusion.clip.ClipTextModel;
import rerender.diffusion.unet.ControlNet;
import rerender.diffusion.unet.UNetModel;
import rerender.diffusion.vae.AutoencoderKL;
import rerender.weights.CheckpointLayout;
import rerender.weights.Weights;

/** controlNet may be null (plain text-to-image). */
public record StableDiffusion(ModelConfig config, ClipTextModel textEncoder, UNetModel unet, AutoencoderKL vae,
                              ControlNet controlNet) {
    public StableDiffusion {
        if (controlNet != null) {
            controlNet.checkCompatible(unet);
        }
        if (unet.latentChannels() != vae.latentChannels()) {
            throw new IllegalArgumentException("UNet works on " + unet.latentChannels() + " latent channels, the VAE on "
                    + vae.latentChannels());
        }
    }

    /** Builds every model from the checkpoint's component views; control (control_model.* view) may be null. */
    public static StableDiffusion load(CheckpointLayout ckpt, Weights control, ModelConfig cfg) {
        UNetModel unet = new UNetModel(ckpt.unet(), cfg);
        ControlNet cn = control == null ? null : new ControlNet(control, cfg);
        return new StableDiffusion(cfg, new ClipTextModel(ckpt.textModel(), cfg), unet, new AutoencoderKL(ckpt.vae(), cfg),
                cn);
    }
}
