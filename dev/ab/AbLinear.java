// dev/ab: linear-layer A/B workload (the UNet's 64x64 and 32x32 transformer shapes, fp16 weights packed as the models
// keep them; needs builds that have LinearWeights); run with AB_CLASS=AbLinear.
import rerender.tensor.Compute;
import rerender.tensor.Tensor;
import rerender.tensor.kernels.Fp16;
import rerender.tensor.kernels.LinearWeights;
import rerender.tensor.kernels.Parallel;
public class AbLinear {
    Compute c = new Compute(new Parallel(2)); Tensor x320, x1280, x640, x2560; LinearWeights w320, w2560, w1280t, w640, w5120, w2560t;
    float[] b320, b2560, b640, b5120;
    public static Object setup(String dir, int size) {
        AbLinear a = new AbLinear();
        java.util.Random r = new java.util.Random(1);
        a.x320 = Tensor.of(rnd(r, 4096 * 320), 1, 4096, 320);
        a.x1280 = Tensor.of(rnd(r, 4096 * 1280), 1, 4096, 1280);
        a.x640 = Tensor.of(rnd(r, 1024 * 640), 1, 1024, 640);
        a.x2560 = Tensor.of(rnd(r, 1024 * 2560), 1, 1024, 2560);
        a.w320 = half(r, 320, 320); a.w2560 = half(r, 2560, 320); a.w1280t = half(r, 320, 1280);
        a.w640 = half(r, 640, 640); a.w5120 = half(r, 5120, 640); a.w2560t = half(r, 640, 2560);
        a.b320 = rnd(r, 320); a.b2560 = rnd(r, 2560); a.b640 = rnd(r, 640); a.b5120 = rnd(r, 5120);
        return a;
    }
    static float[] rnd(java.util.Random r, int n) { return AbData.gaussian(r, n, 1f); }
    static LinearWeights half(java.util.Random r, int out, int in) { return LinearWeights.packHalf(Fp16.copyOf(AbData.halfWeights(r, out * in)), out, in); }
    /** 4 x [4096-row shapes (320->320 x4, 320->2560, 1280->320), 1024-row shapes (640->640 x4, 640->5120, 2560->640)] seconds (x4) */
    public static double[] step(Object o) {
        AbLinear a = (AbLinear) o;
        long t0 = System.nanoTime();
        for (int rep = 0; rep < 4; rep++) {
            for (int i = 0; i < 4; i++) a.c.linear(a.x320, a.w320, i == 3 ? a.b320 : null); // q, k, v; out has a bias
            a.c.linear(a.x320, a.w2560, a.b2560);
            a.c.linear(a.x1280, a.w1280t, a.b320);
        }
        long t1 = System.nanoTime();
        for (int rep = 0; rep < 4; rep++) {
            for (int i = 0; i < 4; i++) a.c.linear(a.x640, a.w640, i == 3 ? a.b640 : null);
            a.c.linear(a.x640, a.w5120, a.b5120);
            a.c.linear(a.x2560, a.w2560t, a.b640);
        }
        long t2 = System.nanoTime();
        return new double[] {(t1 - t0) / 1e9, (t2 - t1) / 1e9};
    }
}
