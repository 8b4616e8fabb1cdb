// dev/ab: attention-only A/B workload (4096 tokens x 8 heads x 40, 1024 x 8 x 80); run with -Dab.class=AbAttn.
import rerender.tensor.kernels.Attention;
import rerender.tensor.kernels.Parallel;
public class AbAttn {
    Parallel p = new Parallel(2); float[] q, k, v, out, q2, k2, v2, out2;
    public static Object setup(String dir, int size) {
        AbAttn a = new AbAttn();
        java.util.Random r = new java.util.Random(1);
        a.q = rnd(r, 4096 * 320); a.k = rnd(r, 4096 * 320); a.v = rnd(r, 4096 * 320); a.out = new float[4096 * 320];
        a.q2 = rnd(r, 1024 * 640); a.k2 = rnd(r, 1024 * 640); a.v2 = rnd(r, 1024 * 640); a.out2 = new float[1024 * 640];
        return a;
    }
    static float[] rnd(java.util.Random r, int n) { return AbData.gaussian(r, n, 1f); }
    /** [attention 4096 tokens x3, attention 1024 tokens x3] seconds */
    public static double[] step(Object o) {
        AbAttn a = (AbAttn) o;
        long t0 = System.nanoTime();
        for (int i = 0; i < 3; i++) Attention.forward(a.p, a.q, a.k, a.v, a.out, 4096, 4096, 8, 40, 0.158f);
        long t1 = System.nanoTime();
        for (int i = 0; i < 3; i++) Attention.forward(a.p, a.q2, a.k2, a.v2, a.out2, 1024, 1024, 8, 80, 0.11f);
        long t2 = System.nanoTime();
        return new double[] {(t1 - t0) / 1e9, (t2 - t1) / 1e9};
    }
}
