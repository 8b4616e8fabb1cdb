// The DDIM sampling loop of the reference (DDIMVSampler with eta 0): per step, ControlNet residuals and UNet eps for
// the conditional and the unconditional prompt (same hint), classifier-free guidance, one DDIM update; optional
// SDEdit-style injection of an encoded init image at the step set by the denoising strength.
package rerender.diffusion;

import rerender.diffusion.sampling.DdimSchedule;
import rerender.diffusion.sampling.DdimStep;
import rerender.diffusion.sampling.NoiseSchedule;
import rerender.diffusion.unet.ControlResiduals;
import rerender.tensor.Compute;
import rerender.tensor.Tensor;

public final class ImageSampler {
    /** What one step computed, for progress reporting, tests and debugging. */
    public record Step(int index, int total, int timestep, Tensor epsCond, Tensor epsUncond, Tensor predX0,
                       Tensor xPrev) {
    }

    @FunctionalInterface
    public interface StepListener {
        void onStep(Step step);

        StepListener NONE = s -> { };
    }

    /**
     * The inputs of one run.
     *
     * @param contextCond   text context of the prompt [1, 77, Cc]
     * @param contextUncond text context of the negative prompt [1, 77, Cc]
     * @param hint          control map [1, 3, H, W] in [0, 1], or null without ControlNet
     * @param noise         x_T, the initial latent noise [1, 4, h, w]
     * @param initLatent    encoded init image (scaled latent) [1, 4, h, w], or null
     * @param initNoise     the noise q_sample uses with initLatent (same shape), or null without initLatent
     */
    public record Inputs(Tensor contextCond, Tensor contextUncond, Tensor hint, Tensor noise, Tensor initLatent,
                         Tensor initNoise) {
        public Inputs {
            if (contextCond == null || contextUncond == null || noise == null) {
                throw new IllegalArgumentException("contexts and noise are required");
            }
            if (initLatent != null && (initNoise == null || !initLatent.sameShape(noise)
                    || !initNoise.sameShape(noise))) {
                throw new IllegalArgumentException("init latent " + initLatent + " and its noise " + initNoise
                        + " must both have the shape of x_T " + noise);
            }
        }
    }

    private final StableDiffusion models;
    private final NoiseSchedule schedule;

    public ImageSampler(StableDiffusion models, NoiseSchedule schedule) {
        this.models = models;
        this.schedule = schedule;
    }

    /** Runs the whole loop and returns the final latent x_0 [1, 4, h, w] (still scaled by 0.18215). */
    public Tensor sample(Compute c, SamplerSettings s, Inputs in, StepListener listener) {
        if (in.hint() != null && models.controlNet() == null) {
            throw new IllegalArgumentException("a control hint was given but no ControlNet is loaded");
        }
        DdimSchedule ddim = DdimSchedule.uniform(schedule, s.steps());
        int total = ddim.steps();
        int inject = in.initLatent() == null ? -1 : s.injectionStep(total);
        Tensor x = in.noise();
        for (int i = 0; i < total; i++) {
            int index = ddim.indexAtStep(i);
            int t = ddim.timesteps()[index];
            if (i == inject) {
                x = schedule.qSample(in.initLatent(), t, in.initNoise()); // SDEdit: restart from the noised input
            }
            Tensor epsCond = eps(c, x, t, in.contextCond(), in.hint(), s.controlStrength());
            Tensor epsUncond = eps(c, x, t, in.contextUncond(), in.hint(), s.controlStrength());
            Tensor e = DdimStep.guide(epsCond, epsUncond, s.cfgScale());
            DdimStep.Result r = DdimStep.step(ddim, index, x, e);
            listener.onStep(new Step(i, total, t, epsCond, epsUncond, r.predX0(), r.xPrev()));
            x = r.xPrev();
        }
        return x;
    }

    /** One model evaluation: ControlNet residuals (if a hint is given) and the UNet's eps [1, 4, h, w]. */
    private Tensor eps(Compute c, Tensor x, int t, Tensor context, Tensor hint, float controlStrength) {
        int[] ts = {t};
        ControlResiduals control = hint == null ? null
                : models.controlNet().forward(c, x, hint, ts, context, controlStrength);
        return models.unet().forward(c, x, ts, context, control);
    }
}
