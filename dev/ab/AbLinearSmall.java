// dev/ab: linear-layer A/B workload for the UNet's 16x16 and 8x8 transformer shapes (256 and 64 tokens, 1280
// channels), fp16 weights packed as the models keep them and the model's biases; run with AB_CLASS=AbLinearSmall.
import rerender.tensor.Compute;
import rerender.tensor.Tensor;
import rerender.tensor.kernels.Fp16;
import rerender.tensor.kernels.LinearWeights;
import rerender.tensor.kernels.Parallel;
public class AbLinearSmall {
    Compute c = new Compute(new Parallel(2)); Tensor[] x1280 = new Tensor[2], x5120 = new Tensor[2];
    LinearWeights w1280, w10240, w5120t; float[] b1280, b10240;
    public static Object setup(String dir, int size) {
        AbLinearSmall a = new AbLinearSmall();
        java.util.Random r = new java.util.Random(1);
        int[] rows = {256, 64};
        for (int i = 0; i < 2; i++) {
            a.x1280[i] = Tensor.of(AbLinear.rnd(r, rows[i] * 1280), 1, rows[i], 1280);
            a.x5120[i] = Tensor.of(AbLinear.rnd(r, rows[i] * 5120), 1, rows[i], 5120);
        }
        a.w1280 = AbLinear.half(r, 1280, 1280); a.w10240 = AbLinear.half(r, 10240, 1280); a.w5120t = AbLinear.half(r, 1280, 5120);
        a.b1280 = AbLinear.rnd(r, 1280); a.b10240 = AbLinear.rnd(r, 10240);
        return a;
    }
    /** [256-token shapes (1280->1280 x4 as q, k, v, out; 1280->10240; 5120->1280) x 4, the same at 64 tokens x 16] seconds */
    public static double[] step(Object o) {
        AbLinearSmall a = (AbLinearSmall) o;
        double[] t = new double[2];
        for (int i = 0; i < 2; i++) {
            long t0 = System.nanoTime();
            for (int rep = 0; rep < (i == 0 ? 4 : 16); rep++) {
                for (int q = 0; q < 4; q++) a.c.linear(a.x1280[i], a.w1280, q == 3 ? a.b1280 : null);
                a.c.linear(a.x1280[i], a.w10240, a.b10240);
                a.c.linear(a.x5120[i], a.w5120t, a.b1280);
            }
            t[i] = (System.nanoTime() - t0) / 1e9;
        }
        return t;
    }
}
