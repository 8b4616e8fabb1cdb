// dev/ab: one build's VAE encode and decode at 512x512 (the random SD checkpoint of bench sd); AB_CLASS=AbVae.
import rerender.diffusion.StableDiffusion;
import rerender.diffusion.sampling.GaussianNoise;
import rerender.tensor.Compute;
import rerender.tensor.Tensor;
import rerender.tensor.kernels.Parallel;

public class AbVae {
    StableDiffusion sd; Compute c; Tensor image, latent;
    public static Object setup(String dir, int size) throws Exception {
        AbVae a = new AbVae();
        a.sd = AbUnet.model(dir);
        a.c = new Compute(new Parallel(2));
        GaussianNoise rng = new GaussianNoise(7);
        a.image = rng.next(1, 3, size, size);
        int f = a.sd.vae().downFactor();
        a.latent = rng.next(1, a.sd.vae().latentChannels(), size / f, size / f);
        return a;
    }
    /** Seconds of [VAE encode, VAE decode] (printed as "CN" and "UNet" by AbDriver). */
    public static double[] step(Object o) {
        AbVae a = (AbVae) o;
        long t0 = System.nanoTime();
        a.sd.vae().encode(a.c, a.image);
        long t1 = System.nanoTime();
        a.sd.vae().decode(a.c, a.latent);
        long t2 = System.nanoTime();
        return new double[] {(t1 - t0) / 1e9, (t2 - t1) / 1e9};
    }
}
