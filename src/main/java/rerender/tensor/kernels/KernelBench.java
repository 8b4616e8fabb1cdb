// Benchmark entry point: GFLOP/s of the fast kernels on Stable Diffusion 1.5 shapes, and fast-vs-naive ratios.
// Run: java --add-modules jdk.incubator.vector -cp target/classes rerender.tensor.kernels.KernelBench [threads] [what] [reps]
// what: all | gemm | conv | wino | half | attn | norm | act | naive | unet (per-step estimate of the SD 1.5 UNet + ControlNet)
package rerender.tensor.kernels;

import java.util.Random;

public final class KernelBench {
    private KernelBench() {
    }

    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : Runtime.getRuntime().availableProcessors();
        String what = args.length > 1 ? args[1] : "all";
        int reps = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        System.out.printf("threads=%d vector=%d bits%n", threads, BlockedGemm.S.vectorBitSize());
        try (Parallel p = new Parallel(threads)) {
            warmUp(p);
            if (what.equals("all") || what.equals("gemm")) {
                gemm(p, reps, 4096, 320, 2880, false);
                gemm(p, reps, 1024, 640, 5760, false);
                gemm(p, reps, 256, 1280, 11520, false);
                gemm(p, reps, 64, 1280, 11520, false);
                gemm(p, reps, 320, 4096, 2880, false);
                gemm(p, reps, 4096, 320, 2880, true);
                gemm(p, reps, 4096, 1280, 320, true);
            }
            if (what.equals("all") || what.equals("conv")) {
                conv(p, reps, 320, 64, 320, 3, 1);
                conv(p, reps, 640, 32, 640, 3, 1);
                conv(p, reps, 1280, 16, 1280, 3, 1);
                conv(p, reps, 1280, 8, 1280, 3, 1);
                conv(p, reps, 320, 64, 320, 3, 2);
                conv(p, reps, 640, 32, 320, 1, 1);
                conv(p, reps, 128, 256, 128, 3, 1);
            }
            if (what.equals("all") || what.equals("half")) {
                convHalf(p, reps, 320, 64, 320);
                convHalf(p, reps, 1280, 8, 1280);
            }
            if (what.equals("all") || what.equals("attn")) {
                attention(p, reps, 4096, 4096, 8, 40);
                attention(p, reps, 4096, 77, 8, 40);
                attention(p, reps, 1024, 1024, 8, 80);
            }
            if (what.equals("all") || what.equals("norm")) {
                groupNorm(p, reps, 320, 4096);
                groupNorm(p, reps, 128, 262144);
            }
            if (what.equals("all") || what.equals("act")) {
                activations(p, reps);
            }
            if (what.equals("wino")) {
                winograd(p, reps, 320, 64, 320);
                winograd(p, reps, 640, 32, 640);
                winograd(p, reps, 1280, 16, 1280);
                winograd(p, reps, 1280, 8, 1280);
                winograd(p, reps, 64, 32, 64);
                winograd(p, reps, 32, 16, 32);
                winograd(p, 1, 512, 64, 512);
                winograd(p, 1, 256, 256, 256);
                winograd(p, 1, 128, 512, 128);
            }
            if (what.equals("unet")) {
                UNetEstimate.run(p);
            }
            if (what.equals("all") || what.equals("naive")) {
                naive(p);
            }
        }
    }

    /**
     * Best-of wall time, plus GFLOP per process CPU-second: on a shared machine wall time depends on the other
     * tenants, CPU time much less so ("per core" x threads = what the kernel would do with the cores to itself).
     */
    record Timing(double wall, double cpu) {
        String rate(double flop) {
            return String.format("%.1f ms, %.1f GFLOP/s wall, %.1f GFLOP/s per CPU-second", wall * 1e3,
                    flop / wall * 1e-9, flop / cpu * 1e-9);
        }
    }

    static Timing measure(int reps, Runnable r) {
        double wall = Double.MAX_VALUE, cpu = Double.MAX_VALUE;
        for (int i = 0; i < reps; i++) {
            long c0 = allThreadsCpu();
            long t0 = System.nanoTime();
            r.run();
            wall = Math.min(wall, (System.nanoTime() - t0) * 1e-9);
            cpu = Math.min(cpu, (allThreadsCpu() - c0) * 1e-9);
        }
        return new Timing(wall, cpu);
    }

    /** CPU time of every live JVM thread (ns resolution, unlike the process total), workers included. */
    private static long allThreadsCpu() {
        var mx = java.lang.management.ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (long id : mx.getAllThreadIds()) {
            long t = mx.getThreadCpuTime(id);
            if (t > 0) {
                sum += t;
            }
        }
        return sum;
    }

    /** Runs every code path on small shapes until C2 has compiled it, so best-of timings are not interpreter ones. */
    static void warmUp(Parallel p) {
        float[] x = random(64 * 24 * 24, 1), w = random(64 * 64 * 9, 2), y = new float[64 * 24 * 24];
        float[] q = random(200 * 64, 3), g = random(64, 4), w1 = random(64 * 64, 5);
        for (int i = 0; i < 30; i++) {
            Conv2d.forward(p, x, 1, 64, 24, 24, w, 64, 3, 3, g, 1, 1);
            Conv2d.forward(p, x, 1, 64, 24, 24, w, null, 64, 3, 3, g, 1, 1, Conv2d.Algorithm.WINOGRAD_F4);
            Conv2d.forward(p, x, 1, 64, 24, 24, w, 64, 3, 3, g, 2, 1);
            Conv2d.forward(p, x, 1, 64, 24, 24, w1, 64, 1, 1, g, 1, 0);
            Gemm.gemmTransB(p, 200, 64, 64, q, 0, 64, w1, 0, 64, y, 0, 64, false);
            Gemm.gemm(p, 200, 64, 64, q, 0, 64, w1, 0, 64, y, 0, 64, true);
            // N mod 24 = 8 and 16: the narrow edge kernels, storing and accumulating (an unseen branch would
            // deoptimise on its first use and run interpreted while C2 recompiles: seconds with vector code)
            Gemm.gemm(p, 200, 32, 64, q, 0, 64, w1, 0, 64, y, 0, 64, false);
            Gemm.gemm(p, 200, 32, 64, q, 0, 64, w1, 0, 64, y, 0, 64, true);
            Gemm.gemmTransB(p, 200, 64, 64, q, 0, 64, w1, 0, 64, y, 0, 64, true);
            Attention.forward(p, q, q, q, y, 200, 200, 2, 32, 0.2f);
            Norms.groupNorm(p, x, y, 1, 64, 576, 32, g, g, 1e-5f, true);
            Norms.layerNorm(p, q, y, 200, 64, g, g, 1e-5f);
            Activations.geglu(p, q, y, 200, 32);
        }
    }

    static float[] random(int size, long seed) {
        Random r = new Random(seed);
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }

    static void gemm(Parallel p, int reps, int m, int n, int k, boolean transB) {
        float[] a = random(m * k, 1), b = random(k * n, 2), c = new float[m * n];
        Timing t = measure(reps, () -> {
            if (transB) {
                Gemm.gemmTransB(p, m, n, k, a, 0, k, b, 0, k, c, 0, n, false);
            } else {
                Gemm.gemm(p, m, n, k, a, 0, k, b, 0, n, c, 0, n, false);
            }
        });
        System.out.printf("gemm%s M=%d N=%d K=%d: %s%n", transB ? "TransB" : "", m, n, k, t.rate(2.0 * m * n * k));
    }

    static void conv(Parallel p, int reps, int c, int hw, int o, int ks, int stride) {
        int pad = ks / 2;
        float[] x = random(c * hw * hw, 1), w = random(o * c * ks * ks, 2), bias = random(o, 3);
        int ho = (hw + 2 * pad - ks) / stride + 1;
        Timing t = measure(reps, () -> Conv2d.forward(p, x, 1, c, hw, hw, w, o, ks, ks, bias, stride, pad));
        double flop = 2.0 * o * ho * ho * c * ks * ks;
        System.out.printf("conv C=%d %dx%d O=%d k=%d s=%d: %s%n", c, hw, hw, o, ks, stride, t.rate(flop));
    }

    /** One 3x3 same conv by implicit GEMM, Winograd F(2,3) and F(4,3): direct-conv FLOPs per CPU-second. */
    static void winograd(Parallel p, int reps, int c, int hw, int o) {
        float[] x = random(c * hw * hw, 1), w = random(o * c * 9, 2), bias = random(o, 3);
        double flop = 2.0 * o * hw * hw * c * 9;
        StringBuilder line = new StringBuilder(String.format("conv3x3 C=%d %dx%d O=%d:", c, hw, hw, o));
        for (Conv2d.Algorithm a : new Conv2d.Algorithm[] {Conv2d.Algorithm.IMPLICIT_GEMM,
                Conv2d.Algorithm.WINOGRAD_F2, Conv2d.Algorithm.WINOGRAD_F4}) {
            Timing t = measure(reps, () -> Conv2d.forward(p, x, 1, c, hw, hw, w, null, o, 3, 3, bias, 1, 1, a));
            line.append(String.format("  %s %.1f ms wall, %.0f GFLOP/CPU-s", a, t.wall() * 1e3, flop / t.cpu() * 1e-9));
        }
        System.out.println(line);
    }

    /** The same 3x3 conv with fp32 and with fp16 weights. */
    static void convHalf(Parallel p, int reps, int c, int hw, int o) {
        float[] x = random(c * hw * hw, 1), w = random(o * c * 9, 2);
        short[] wh = new short[w.length];
        for (int i = 0; i < w.length; i++) {
            wh[i] = Float.floatToFloat16(w[i]);
        }
        double flop = 2.0 * o * hw * hw * c * 9;
        Timing full = measure(reps, () -> Conv2d.forward(p, x, 1, c, hw, hw, w, o, 3, 3, null, 1, 1));
        Timing half = measure(reps, () -> Conv2d.forward(p, x, 1, c, hw, hw, wh, o, 3, 3, null, 1, 1));
        System.out.printf("conv C=%d %dx%d O=%d fp32 weights: %s%n", c, hw, hw, o, full.rate(flop));
        System.out.printf("conv C=%d %dx%d O=%d fp16 weights: %s%n", c, hw, hw, o, half.rate(flop));
    }

    static void attention(Parallel p, int reps, int nq, int nk, int heads, int d) {
        int width = heads * d;
        float[] q = random(nq * width, 1), k = random(nk * width, 2), v = random(nk * width, 3);
        float[] out = new float[nq * width];
        Timing t = measure(reps, () -> Attention.forward(p, q, k, v, out, nq, nk, heads, d, (float) (1 / Math.sqrt(d))));
        double flop = 4.0 * nq * nk * d * heads;
        System.out.printf("attention Nq=%d Nk=%d heads=%d d=%d (matmul flops): %s%n", nq, nk, heads, d, t.rate(flop));
    }

    static void groupNorm(Parallel p, int reps, int c, int hw) {
        float[] x = random(c * hw, 1), out = new float[c * hw], g = random(c, 2), b = random(c, 3);
        Timing t = measure(reps, () -> Norms.groupNorm(p, x, out, 1, c, hw, 32, g, b, 1e-5f, true));
        System.out.printf("groupNorm+SiLU C=%d HW=%d: %.2f ms wall, %.1f GB/s (read+write)%n", c, hw, t.wall * 1e3,
                8.0 * c * hw / t.wall * 1e-9);
    }

    static void activations(Parallel p, int reps) {
        int rows = 4096, width = 1280;
        float[] x = random(rows * 2 * width, 1), y = new float[rows * width];
        Timing fast = measure(reps, () -> Activations.geglu(p, x, y, rows, width));
        Timing slow = measure(1, () -> Activations.gegluReference(x, y, rows, width));
        System.out.printf("geglu [4096, 2560] -> [4096, 1280]: %.2f ms wall (scalar double reference %.1f ms)%n",
                fast.wall() * 1e3, slow.wall() * 1e3);
    }

    /** Fast vs naive on sizes small enough for the naive loops. */
    static void naive(Parallel p) {
        int m = 256, n = 256, k = 256;
        float[] a = random(m * k, 1), b = random(k * n, 2), c = new float[m * n];
        double fast = time(() -> Gemm.gemm(p, m, n, k, a, 0, k, b, 0, n, c, 0, n, false));
        double slow = time(() -> Gemm.gemmReference(p, m, n, k, a, 0, k, b, 0, n, c, 0, n, false));
        System.out.printf("gemm 256^3: fast %.2f ms, naive %.2f ms, ratio %.0fx%n", fast * 1e3, slow * 1e3, slow / fast);
        float[] x = random(64 * 32 * 32, 1), w = random(64 * 64 * 9, 2);
        fast = time(() -> Conv2d.forward(p, x, 1, 64, 32, 32, w, 64, 3, 3, null, 1, 1));
        slow = time(() -> Conv2d.reference(p, x, 1, 64, 32, 32, w, 64, 3, 3, null, 1, 1));
        System.out.printf("conv 64->64 32x32 3x3: fast %.2f ms, naive %.2f ms, ratio %.0fx%n", fast * 1e3,
                slow * 1e3, slow / fast);
        float[] q = random(512 * 320, 1), kk = random(512 * 320, 2), v = random(512 * 320, 3), o = new float[512 * 320];
        fast = time(() -> Attention.forward(p, q, kk, v, o, 512, 512, 8, 40, 0.15f));
        slow = time(() -> Attention.reference(p, q, kk, v, o, 512, 512, 8, 40, 0.15f));
        System.out.printf("attention 512x512 8x40: fast %.2f ms, naive %.2f ms, ratio %.0fx%n", fast * 1e3,
                slow * 1e3, slow / fast);
        float[] gx = random(320 * 1024, 1), gy = new float[320 * 1024], gg = random(320, 2), gb = random(320, 3);
        fast = time(() -> Norms.groupNorm(p, gx, gy, 1, 320, 1024, 32, gg, gb, 1e-5f, true));
        slow = time(() -> Norms.groupNormReference(p, gx, gy, 1, 320, 1024, 32, gg, gb, 1e-5f, true));
        System.out.printf("groupNorm 320x1024: fast %.2f ms, naive %.2f ms, ratio %.1fx%n", fast * 1e3,
                slow * 1e3, slow / fast);
    }

    static double time(Runnable r) {
        double best = Double.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            long t0 = System.nanoTime();
            r.run();
            best = Math.min(best, (System.nanoTime() - t0) * 1e-9);
        }
        return best;
    }
}
