// dev/ab: small-map convolution A/B workload, the N = 64 products: 1280ch@8x8 (implicit GEMM) and 1280ch@16x16
// (fused Winograd F2), then 640ch@32x32 (Winograd F4); fp16 weights packed as the models keep them.
// Run with AB_CLASS=AbConvSmall.
import rerender.tensor.kernels.ConvWeights;
import rerender.tensor.kernels.Conv2d;
import rerender.tensor.kernels.Fp16;
import rerender.tensor.kernels.Parallel;
public class AbConvSmall {
    Parallel p = new Parallel(2); float[] x8, x16, x32, b1280, b640; ConvWeights w1280, w640;
    public static Object setup(String dir, int size) {
        AbConvSmall a = new AbConvSmall();
        java.util.Random r = new java.util.Random(1);
        a.x8 = rnd(r, 1280 * 64); a.x16 = rnd(r, 1280 * 256); a.x32 = rnd(r, 640 * 1024);
        a.b1280 = rnd(r, 1280); a.b640 = rnd(r, 640);
        a.w1280 = ConvWeights.packHalf(Fp16.copyOf(half(r, 1280 * 1280 * 9)), 1280, 1280 * 9);
        a.w640 = ConvWeights.packHalf(Fp16.copyOf(half(r, 640 * 640 * 9)), 640, 640 * 9);
        return a;
    }
    static float[] rnd(java.util.Random r, int n) { return AbData.gaussian(r, n, 1f); }
    static short[] half(java.util.Random r, int n) { return AbData.halfWeights(r, n); }
    /** [1280ch@8 x6 + 1280ch@16 x3, 640ch@32 x3] seconds */
    public static double[] step(Object o) {
        AbConvSmall a = (AbConvSmall) o;
        long t0 = System.nanoTime();
        for (int i = 0; i < 3; i++) {
            Conv2d.forward(a.p, a.x8, 1, 1280, 8, 8, a.w1280, 3, 3, a.b1280, 1, 1);
            Conv2d.forward(a.p, a.x8, 1, 1280, 8, 8, a.w1280, 3, 3, a.b1280, 1, 1);
            Conv2d.forward(a.p, a.x16, 1, 1280, 16, 16, a.w1280, 3, 3, a.b1280, 1, 1);
        }
        long t1 = System.nanoTime();
        for (int i = 0; i < 3; i++) {
            Conv2d.forward(a.p, a.x32, 1, 640, 32, 32, a.w640, 3, 3, a.b640, 1, 1);
        }
        long t2 = System.nanoTime();
        return new double[] {(t1 - t0) / 1e9, (t2 - t1) / 1e9};
    }
}
