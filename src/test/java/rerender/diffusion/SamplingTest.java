package rerender.diffusion;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import rerender.diffusion.sampling.DdimSchedule;
import rerender.diffusion.sampling.GaussianNoise;
import rerender.diffusion.sampling.NoiseSchedule;
import rerender.tensor.Compute;
import rerender.tensor.Tensor;
import rerender.tensor.kernels.Parallel;
import rerender.testutil.Shared;
import rerender.weights.CheckpointLayout;
import rerender.weights.TensorFile;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SamplingTest {
    static StableDiffusion tinyModels(String precision) {
        CheckpointLayout ckpt = CheckpointLayout.of(TensorFile.open(Shared.tiny("tiny-sd-" + precision + ".safetensors")));
        return StableDiffusion.load(ckpt, CheckpointLayout.controlNet(
                TensorFile.open(Shared.tiny("tiny-control-" + precision + ".safetensors"))), TinyModels.config());
    }

    @Test
    void scheduleMatchesReferenceTables() {
        NoiseSchedule s = NoiseSchedule.stableDiffusion();
        try (Fixture f = new Fixture("schedule")) {
            float[] betas = new float[1000], ac = new float[1000], sac = new float[1000], s1m = new float[1000];
            for (int t = 0; t < 1000; t++) {
                betas[t] = (float) s.beta(t);
                ac[t] = s.alphaCumprod(t);
                sac[t] = s.sqrtAlphaCumprod(t);
                s1m[t] = s.sqrtOneMinusAlphaCumprod(t);
            }
            Fixture.assertClose("betas", Tensor.of(betas, 1000), f.tensor("betas"), 1e-7);
            Fixture.assertClose("alphas_cumprod", Tensor.of(ac, 1000), f.tensor("alphas_cumprod"), 1e-7);
            Fixture.assertClose("sqrt_alphas_cumprod", Tensor.of(sac, 1000), f.tensor("sqrt_alphas_cumprod"), 1e-7);
            Fixture.assertClose("sqrt_one_minus", Tensor.of(s1m, 1000), f.tensor("sqrt_one_minus_alphas_cumprod"),
                    1e-7);
            for (int steps : new int[] {20, 4}) {
                DdimSchedule d = DdimSchedule.uniform(s, steps);
                String p = "ddim" + steps + ".";
                assertArrayEquals(f.ints(p + "timesteps"), d.timesteps());
                assertArrayEquals(f.tensor(p + "alphas").data(), d.alphas(), 0f);
                assertArrayEquals(f.tensor(p + "alphas_prev").data(), d.alphasPrev(), 0f);
                assertArrayEquals(f.tensor(p + "sqrt_one_minus_alphas").data(), d.sqrtOneMinusAlpha(), 0f);
            }
            assertEquals(951, DdimSchedule.uniform(s, 20).timestepAtStep(0));
            Tensor q = s.qSample(f.tensor("q_sample.x0"), f.ints("q_sample.t")[0], f.tensor("q_sample.noise"));
            Fixture.assertClose("q_sample", q, f.tensor("q_sample.out"), 1e-6);
        }
    }

    @Test
    void ddimStepCountFollowsTheReferenceStride() {
        NoiseSchedule s = NoiseSchedule.stableDiffusion();
        assertEquals(1, DdimSchedule.uniform(s, 1).steps());
        assertEquals(31, DdimSchedule.uniform(s, 30).steps()); // stride 33: 0, 33, ..., 990
        assertEquals(991, DdimSchedule.uniform(s, 30).timestepAtStep(0));
        // strides dividing 999: the reference's last timestep would be 1000, past the table (it fails there); left out
        assertArrayEquals(new int[] {1, 334, 667}, DdimSchedule.uniform(s, 3).timesteps());
        assertEquals(9, DdimSchedule.uniform(s, 9).steps());
        assertEquals(889, DdimSchedule.uniform(s, 9).timestepAtStep(0));
        assertEquals(999, DdimSchedule.uniform(s, 999).steps());
        assertEquals(999, DdimSchedule.uniform(s, 1000).timestepAtStep(0));
        // every count from 1 to 1000 gives in-range timesteps and at least the requested number of steps
        for (int steps = 1; steps <= 1000; steps++) {
            DdimSchedule d = DdimSchedule.uniform(s, steps);
            assertTrue(d.steps() >= Math.min(steps, 999), "steps " + steps);
            assertTrue(d.timestepAtStep(0) <= 999 && d.timestepAtStep(d.steps() - 1) == 1, "steps " + steps);
        }
    }

    @Test
    void seededNoiseIsReproducibleAndStandardNormal() {
        Tensor a = new GaussianNoise(42).next(1, 4, 64, 65);
        Tensor b = new GaussianNoise(42).next(1, 4, 64, 65);
        assertArrayEquals(a.data(), b.data(), 0f);
        double sum = 0, sq = 0;
        for (float v : a.data()) {
            sum += v;
            sq += v * v;
        }
        int n = a.size();
        assertEquals(0, sum / n, 0.03);
        assertEquals(1, sq / n, 0.03);
        assertTrue(new GaussianNoise(43).next(1, 4, 64, 65).data()[0] != a.data()[0]);
    }

    @ParameterizedTest
    @ValueSource(strings = {"fp32", "fp16"})
    void fourStepDdimWithCfgAndControlNetMatchesReference(String precision) {
        StableDiffusion m = tinyModels(precision);
        try (Fixture f = new Fixture("ddim4_cfg"); Parallel p = new Parallel(2)) {
            ImageSampler sampler = new ImageSampler(m, NoiseSchedule.stableDiffusion());
            List<ImageSampler.Step> steps = new ArrayList<>();
            Tensor out = sampler.sample(new Compute(p), new SamplerSettings(4, 7.5f, 1f, 1.05f),
                    new ImageSampler.Inputs(f.tensor("context_cond"), f.tensor("context_uncond"), f.tensor("hint"),
                            f.tensor("x_T"), null, null), steps::add);
            assertEquals(4, steps.size());
            for (ImageSampler.Step st : steps) {
                String k = "step" + st.index() + ".";
                assertEquals(f.ints(k + "t")[0], st.timestep());
                Fixture.assertClose(precision + " " + k + "eps_cond", st.epsCond(), f.tensor(k + "eps_cond"), 1e-4);
                Fixture.assertClose(precision + " " + k + "eps_uncond", st.epsUncond(), f.tensor(k + "eps_uncond"),
                        1e-3);
                Fixture.assertClose(precision + " " + k + "pred_x0", st.predX0(), f.tensor(k + "pred_x0"), 1e-3);
                Fixture.assertClose(precision + " " + k + "x_prev", st.xPrev(), f.tensor(k + "x_prev"), 1e-3);
            }
            Fixture.assertClose(precision + " samples", out, f.tensor("samples"), 1e-3);
            Fixture.assertClose(precision + " image", m.vae().decodeRaw(new Compute(p), out), f.tensor("image"), 1e-3);
        }
    }
}
