// dev/ab: Winograd F(4x4, 3x3) A/B workload (UNet 320ch@64x64, 640ch@32x32, VAE-like 256ch@128x128 and
// 512ch@64x64, fp16 weights);
// run with AB_CLASS=AbWino.
import rerender.tensor.kernels.Parallel;
import rerender.tensor.kernels.Conv2d;
public class AbWino {
    Parallel p = new Parallel(2); float[] x64, x32, x128, x64v; short[] w320, w640, w256, w512;
    public static Object setup(String dir, int size) {
        AbWino a = new AbWino();
        java.util.Random r = new java.util.Random(1);
        a.x64 = rnd(r, 320 * 64 * 64); a.x32 = rnd(r, 640 * 32 * 32); a.x128 = rnd(r, 256 * 128 * 128);
        a.x64v = rnd(r, 512 * 64 * 64); a.w512 = half(r, 512 * 512 * 9);
        a.w320 = half(r, 320 * 320 * 9); a.w640 = half(r, 640 * 640 * 9); a.w256 = half(r, 256 * 256 * 9);
        return a;
    }
    static float[] rnd(java.util.Random r, int n) { return AbData.gaussian(r, n, 1f); }
    static short[] half(java.util.Random r, int n) { return AbData.halfWeights(r, n); }
    /** [320ch@64 x3 + 640ch@32 x3, 256ch@128 x2 + 512ch@64 x2] seconds */
    public static double[] step(Object o) {
        AbWino a = (AbWino) o;
        long t0 = System.nanoTime();
        for (int i = 0; i < 3; i++) {
            Conv2d.forward(a.p, a.x64, 1, 320, 64, 64, a.w320, 320, 3, 3, null, 1, 1);
            Conv2d.forward(a.p, a.x32, 1, 640, 32, 32, a.w640, 640, 3, 3, null, 1, 1);
        }
        long t1 = System.nanoTime();
        for (int i = 0; i < 2; i++) {
            Conv2d.forward(a.p, a.x128, 1, 256, 128, 128, a.w256, 256, 3, 3, null, 1, 1);
            Conv2d.forward(a.p, a.x64v, 1, 512, 64, 64, a.w512, 512, 3, 3, null, 1, 1);
        }
        long t2 = System.nanoTime();
        return new double[] {(t1 - t0) / 1e9, (t2 - t1) / 1e9};
    }
}
