// One deterministic DDIM update (eta = 0), ldm p_sample_ddim:
// pred_x0 = (x_t - sqrt(1 - a_t) eps) / sqrt(a_t);  x_prev = sqrt(a_prev) pred_x0 + sqrt(1 - a_prev) eps.
package rerender.diffusion.sampling;

import rerender.tensor.Tensor;

public final class DdimStep {
    private DdimStep() {
    }

    /** The new latent and the model's current estimate of the clean latent. */
    public record Result(Tensor xPrev, Tensor predX0) {
    }

    /** x, eps [B, 4, h, w]; index into the DDIM schedule (see DdimSchedule.indexAtStep). */
    public static Result step(DdimSchedule s, int index, Tensor x, Tensor eps) {
        if (!x.sameShape(eps)) {
            throw new IllegalArgumentException("DDIM step: x " + x + " and eps " + eps + " differ in shape");
        }
        float aT = s.alphas()[index], aPrev = s.alphasPrev()[index];
        float sqrtOneMinusAt = s.sqrtOneMinusAlpha()[index];
        float sqrtAt = (float) Math.sqrt(aT);
        float sqrtAPrev = (float) Math.sqrt(aPrev);
        float dirCoef = (float) Math.sqrt(1f - aPrev); // sigma = 0
        float[] xs = x.data(), es = eps.data();
        float[] x0 = new float[xs.length], xp = new float[xs.length];
        for (int i = 0; i < xs.length; i++) {
            float p = (xs[i] - sqrtOneMinusAt * es[i]) / sqrtAt;
            x0[i] = p;
            xp[i] = sqrtAPrev * p + dirCoef * es[i];
        }
        return new Result(Tensor.of(xp, x.shape()), Tensor.of(x0, x.shape()));
    }

    /** Classifier-free guidance (Ho & Salimans 2022): eps_uncond + scale (eps_cond - eps_uncond). */
    public static Tensor guide(Tensor epsCond, Tensor epsUncond, float scale) {
        if (!epsCond.sameShape(epsUncond)) {
            throw new IllegalArgumentException("CFG: shapes differ, " + epsCond + " vs " + epsUncond);
        }
        float[] c = epsCond.data(), u = epsUncond.data(), r = new float[c.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = u[i] + scale * (c[i] - u[i]);
        }
        return Tensor.of(r, epsCond.shape());
    }
}
