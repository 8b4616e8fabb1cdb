package rerender.diffusion;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import rerender.diffusion.vae.AutoencoderKL;
import rerender.tensor.Compute;
import rerender.tensor.kernels.Parallel;

class AutoencoderKLTest {
    @ParameterizedTest
    @ValueSource(strings = {"fp32", "fp16"})
    void encodeAndDecodeMatchReference(String precision) {
        try (Fixture f = new Fixture("vae"); Parallel p = new Parallel(2)) {
            Compute c = new Compute(p);
            AutoencoderKL vae = new AutoencoderKL(TinyModels.sd(precision).sub("first_stage_model"),
                    TinyModels.config());
            Fixture.assertClose(precision + " moments", vae.moments(c, f.tensor("enc.image")), f.tensor("enc.moments"),
                    1e-4);
            Fixture.assertClose(precision + " mean", vae.encodeMean(c, f.tensor("enc.image")), f.tensor("enc.mean"),
                    1e-4);
            Fixture.assertClose(precision + " dec0", vae.decodeRaw(c, f.tensor("dec0.z_scaled")),
                    f.tensor("dec0.image"), 1e-4);
            Fixture.assertClose(precision + " dec1 (non-square)", vae.decodeRaw(c, f.tensor("dec1.z_scaled")),
                    f.tensor("dec1.image"), 1e-4);
        }
    }
}
