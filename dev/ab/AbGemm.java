// dev/ab: kernel-only A/B workload (1280-channel 3x3 convs at 16x16 and 8x8, a 4096x320->2560 linear); run with -Dab.class=AbGemm.
import rerender.tensor.Compute;
import rerender.tensor.Tensor;
import rerender.tensor.kernels.Parallel;
public class AbGemm {
    Compute c = new Compute(new Parallel(2)); Tensor x16, x8, xl; float[] w16, wl;
    public static Object setup(String dir, int size) {
        AbGemm a = new AbGemm();
        java.util.Random r = new java.util.Random(1);
        a.x16 = Tensor.of(rnd(r, 1280 * 256), 1, 1280, 16, 16);
        a.x8 = Tensor.of(rnd(r, 1280 * 64), 1, 1280, 8, 8);
        a.w16 = rnd(r, 1280 * 1280 * 9);
        a.xl = Tensor.of(rnd(r, 4096 * 320), 1, 4096, 320);
        a.wl = rnd(r, 2560 * 320);
        return a;
    }
    static float[] rnd(java.util.Random r, int n) { return AbData.gaussian(r, n, 0.05f); }
    /** [convs 1280ch @16 x3 + @8 x3, linear 4096x320->2560 x3] seconds */
    public static double[] step(Object o) {
        AbGemm a = (AbGemm) o;
        long t0 = System.nanoTime();
        for (int i = 0; i < 3; i++) { a.c.conv2d(a.x16, a.w16, 1280, 3, 3, null, 1, 1); a.c.conv2d(a.x8, a.w16, 1280, 3, 3, null, 1, 1); }
        long t1 = System.nanoTime();
        for (int i = 0; i < 3; i++) a.c.linear(a.xl, a.wl, 2560, null);
        long t2 = System.nanoTime();
        return new double[] {(t1 - t0) / 1e9, (t2 - t1) / 1e9};
    }
}
