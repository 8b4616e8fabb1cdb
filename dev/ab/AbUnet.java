// dev/ab: one build's UNet + ControlNet evaluation, loaded through its own class loader by AbDriver (see ab-sd.sh).
import java.nio.file.Path;
import rerender.diffusion.ModelConfig;
import rerender.diffusion.StableDiffusion;
import rerender.diffusion.sampling.GaussianNoise;
import rerender.diffusion.unet.ControlResiduals;
import rerender.tensor.Compute;
import rerender.tensor.Tensor;
import rerender.tensor.kernels.Parallel;
import rerender.weights.CheckpointLayout;
import rerender.weights.TensorFile;

public class AbUnet {
    StableDiffusion sd; Compute c; Tensor x, hint, ctx; int[] t = {500};
    public static Object setup(String dir, int size) throws Exception {
        AbUnet a = new AbUnet();
        a.sd = model(dir);
        a.c = new Compute(new Parallel(2));
        GaussianNoise rng = new GaussianNoise(7);
        a.x = rng.next(1, 4, size / 8, size / 8);
        Tensor h = rng.next(1, 3, size, size);
        float[] hd = h.data().clone(); for (int i = 0; i < hd.length; i++) hd[i] = 0.5f + 0.1f * hd[i];
        a.hint = Tensor.of(hd, 1, 3, size, size);
        a.ctx = rng.next(1, 77, 768);
        return a;
    }
    /** The random SD 1.5 + ControlNet checkpoints of bench sd in dir (also used by AbVae). */
    static StableDiffusion model(String dir) throws Exception {
        TensorFile f1 = TensorFile.open(Path.of(dir, "sd15-random-fp16.safetensors"));
        TensorFile f2 = TensorFile.open(Path.of(dir, "control-sd15-random-fp16.safetensors"));
        return StableDiffusion.load(CheckpointLayout.of(f1), CheckpointLayout.controlNet(f2), ModelConfig.sd15());
    }

    /** Seconds of [ControlNet, UNet]. */
    public static double[] step(Object o) {
        AbUnet a = (AbUnet) o;
        long t0 = System.nanoTime();
        ControlResiduals r = a.sd.controlNet().forward(a.c, a.x, a.hint, a.t, a.ctx, 1f);
        long t1 = System.nanoTime();
        a.sd.unet().forward(a.c, a.x, a.t, a.ctx, r);
        long t2 = System.nanoTime();
        return new double[] {(t1 - t0) / 1e9, (t2 - t1) / 1e9};
    }
}
