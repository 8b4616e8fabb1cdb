// The settings of one DDIM sampling run with classifier-free guidance and ControlNet (reference defaults noted).
package rerender.diffusion;

/**
 * @param steps            DDIM steps, >= 1 (20)
 * @param cfgScale         classifier-free guidance scale s: eps = eps_u + s (eps_c - eps_u) (7.5; 1 = cond only)
 * @param controlStrength  factor on every ControlNet residual (1.0; shipped configs 0.7)
 * @param denoiseStrength  x0_strength in [0, inf): at step floor(steps (1 - s)) the latent is replaced by the
 *                         noised init latent; s > 1 never replaces (pure text-to-image); ignored without init latent
 */
public record SamplerSettings(int steps, float cfgScale, float controlStrength, float denoiseStrength) {
    public SamplerSettings {
        if (steps < 1 || steps > 1000) {
            throw new IllegalArgumentException("steps must be in 1..1000, got " + steps);
        }
        if (!Float.isFinite(cfgScale)) {
            throw new IllegalArgumentException("cfg scale must be finite, got " + cfgScale);
        }
        if (!Float.isFinite(controlStrength) || controlStrength < 0) {
            throw new IllegalArgumentException("control strength must be >= 0, got " + controlStrength);
        }
        if (!Float.isFinite(denoiseStrength) || denoiseStrength < 0) {
            throw new IllegalArgumentException("denoising strength must be >= 0, got " + denoiseStrength);
        }
    }

    /** The reference defaults: 20 steps, CFG 7.5, control 1.0, strength 1.05 (never replace). */
    public static SamplerSettings defaults() {
        return new SamplerSettings(20, 7.5f, 1.0f, 1.05f);
    }

    /** The step index at which the init latent is injected, or -1 when it never is (SPEC 3). */
    public int injectionStep(int totalSteps) {
        if (denoiseStrength > 1f) {
            return -1;
        }
        return (int) Math.floor(totalSteps * (1.0 - denoiseStrength));
    }
}
