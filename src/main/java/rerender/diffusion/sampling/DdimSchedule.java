// The DDIM sub-sequence of timesteps and its alphas (Song et al. 2021; ldm make_ddim_timesteps "uniform",
// make_ddim_sampling_parameters with eta 0). Index 0 is the least noisy step; sampling runs index S-1 .. 0.
package rerender.diffusion.sampling;

/**
 * @param timesteps         t_i = i * (T / S) + 1 (1, 51, ..., 951 for S = 20, T = 1000)
 * @param alphas            alphas_cumprod[t_i]
 * @param alphasPrev        alphas_cumprod[t_{i-1}], and alphas_cumprod[0] for i = 0
 * @param sqrtOneMinusAlpha sqrt(1 - alphas[i]) in float32
 */
public record DdimSchedule(int[] timesteps, float[] alphas, float[] alphasPrev, float[] sqrtOneMinusAlpha) {
    public DdimSchedule {
        timesteps = timesteps.clone();
        alphas = alphas.clone();
        alphasPrev = alphasPrev.clone();
        sqrtOneMinusAlpha = sqrtOneMinusAlpha.clone();
    }

    /**
     * Uniform DDIM schedule for the requested number of steps. Like the reference, the stride is T / steps
     * (integer division) and every multiple of it below T is used, plus one, so a step count that does not divide T
     * can give a few more steps than requested (30 -> stride 33 -> 31 steps). One departure: where the stride
     * divides T - 1 (steps 3, 9, 27, 37, 111, 333, 999 for T = 1000) the last multiple is T - 1 and its timestep T
     * lies past the schedule; the reference fails there (its alphas_cumprod[T] raises an IndexError), this leaves
     * that timestep out, which gives exactly the requested count (3 -> 1, 334, 667, as diffusers' "leading" spacing).
     */
    public static DdimSchedule uniform(NoiseSchedule s, int steps) {
        int total = s.trainSteps();
        if (steps < 1 || steps > total) {
            throw new IllegalArgumentException("DDIM steps must be in 1.." + total + ", got " + steps);
        }
        int stride = total / steps;
        int n = (total - 1 + stride - 1) / stride; // multiples i * stride with i * stride + 1 <= total - 1
        int[] ts = new int[n];
        float[] a = new float[n], ap = new float[n], so = new float[n];
        for (int i = 0; i < n; i++) {
            ts[i] = i * stride + 1;
            a[i] = s.alphaCumprod(ts[i]);
            ap[i] = i == 0 ? s.alphaCumprod(0) : s.alphaCumprod(ts[i - 1]);
            so[i] = (float) Math.sqrt(1f - a[i]);
        }
        return new DdimSchedule(ts, a, ap, so);
    }

    public int steps() {
        return timesteps.length;
    }

    /** Schedule index used at sampling step i (0 = first, noisiest): S - 1 - i. */
    public int indexAtStep(int i) {
        return timesteps.length - 1 - i;
    }

    public int timestepAtStep(int i) {
        return timesteps[indexAtStep(i)];
    }
}
