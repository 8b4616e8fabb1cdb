// The DDPM forward-process schedule of Stable Diffusion (Ho et al. 2020; ldm "linear" = scaled-linear betas):
// beta_t = linspace(sqrt(0.00085), sqrt(0.012), 1000)^2, alphas_cumprod = cumprod(1 - beta), all in float64 and
// then held in float32 as the reference model's buffers are.
package rerender.diffusion.sampling;

import rerender.tensor.Tensor;

public final class NoiseSchedule {
    private final double[] betas;          // float64 originals
    private final double[] alphasCumprod;  // float64 originals
    private final float[] alphasCumprodF;  // as the model buffer (float32)
    private final float[] sqrtAlphasCumprod;
    private final float[] sqrtOneMinusAlphasCumprod;

    private NoiseSchedule(double[] betas) {
        this.betas = betas;
        int n = betas.length;
        alphasCumprod = new double[n];
        alphasCumprodF = new float[n];
        sqrtAlphasCumprod = new float[n];
        sqrtOneMinusAlphasCumprod = new float[n];
        double prod = 1;
        for (int i = 0; i < n; i++) {
            prod *= 1.0 - betas[i];
            alphasCumprod[i] = prod;
            alphasCumprodF[i] = (float) prod;
            sqrtAlphasCumprod[i] = (float) Math.sqrt(prod);
            sqrtOneMinusAlphasCumprod[i] = (float) Math.sqrt(1.0 - prod);
        }
    }

    /** Scaled-linear schedule over trainSteps steps from betaStart to betaEnd (SD: 1000, 0.00085, 0.012). */
    public static NoiseSchedule scaledLinear(int trainSteps, double betaStart, double betaEnd) {
        if (trainSteps < 2 || !(betaStart > 0) || !(betaEnd > betaStart) || betaEnd >= 1) {
            throw new IllegalArgumentException("bad schedule: " + trainSteps + " steps, betas " + betaStart + ".."
                    + betaEnd);
        }
        double a = Math.sqrt(betaStart), b = Math.sqrt(betaEnd);
        double[] betas = new double[trainSteps];
        for (int i = 0; i < trainSteps; i++) {
            // numpy linspace: start + i * step, with the last value exactly the end point
            double v = i == trainSteps - 1 ? b : a + i * ((b - a) / (trainSteps - 1));
            betas[i] = v * v;
        }
        return new NoiseSchedule(betas);
    }

    /** Stable Diffusion 1.x: 1000 steps, 0.00085 to 0.012. */
    public static NoiseSchedule stableDiffusion() {
        return scaledLinear(1000, 0.00085, 0.012);
    }

    public int trainSteps() {
        return betas.length;
    }

    public double beta(int t) {
        return betas[t];
    }

    public double alphaCumprod64(int t) {
        return alphasCumprod[t];
    }

    /** alphas_cumprod[t] as the model's float32 buffer holds it. */
    public float alphaCumprod(int t) {
        return alphasCumprodF[t];
    }

    public float sqrtAlphaCumprod(int t) {
        return sqrtAlphasCumprod[t];
    }

    public float sqrtOneMinusAlphaCumprod(int t) {
        return sqrtOneMinusAlphasCumprod[t];
    }

    /** Forward diffusion q(x_t | x_0): sqrt(a_t) x0 + sqrt(1 - a_t) noise (ldm q_sample). */
    public Tensor qSample(Tensor x0, int t, Tensor noise) {
        if (!x0.sameShape(noise)) {
            throw new IllegalArgumentException("q_sample: x0 " + x0 + " and noise " + noise + " differ in shape");
        }
        float a = sqrtAlphasCumprod[t], s = sqrtOneMinusAlphasCumprod[t];
        float[] x = x0.data(), e = noise.data(), r = new float[x.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = a * x[i] + s * e[i];
        }
        return Tensor.of(r, x0.shape());
    }
}
