// Per-step time estimate of the SD 1.5 UNet (and its ControlNet copy = encoder + middle) from the kernels alone:
// every conv / linear / attention of the network at a 64x64 latent, each distinct shape timed, times its count.
// Element-wise ops, norms and tensor plumbing are left out, so this is a lower bound on a real step.
package rerender.tensor.kernels;

import java.util.ArrayList;
import java.util.List;

final class UNetEstimate {
    private UNetEstimate() {
    }

    /** One distinct layer shape: GFLOP per call, how many calls per UNet pass, whether ControlNet has it too. */
    private record Layer(String name, double flop, int count, boolean encoder, Runnable run) {
    }

    static void run(Parallel p) {
        int threads = p.threads();
        List<Layer> layers = new ArrayList<>();
        // encoder (input blocks) + middle block: these exist in the ControlNet as well
        conv(layers, p, 4, 320, 64, 3, 1, 1, true);
        conv(layers, p, 320, 320, 64, 3, 1, 4, true);
        conv(layers, p, 320, 320, 64, 3, 2, 1, true);
        conv(layers, p, 320, 640, 32, 3, 1, 1, true);
        conv(layers, p, 640, 640, 32, 3, 1, 3, true);
        conv(layers, p, 320, 640, 32, 1, 1, 1, true);
        conv(layers, p, 640, 640, 32, 3, 2, 1, true);
        conv(layers, p, 640, 1280, 16, 3, 1, 1, true);
        conv(layers, p, 1280, 1280, 16, 3, 1, 3, true);
        conv(layers, p, 640, 1280, 16, 1, 1, 1, true);
        conv(layers, p, 1280, 1280, 16, 3, 2, 1, true);
        conv(layers, p, 1280, 1280, 8, 3, 1, 8, true); // 4 in input block 12/13, 4 in the middle block
        transformer(layers, p, 320, 4096, 2, true);
        transformer(layers, p, 640, 1024, 2, true);
        transformer(layers, p, 1280, 256, 2, true);
        transformer(layers, p, 1280, 64, 1, true); // middle block
        // decoder (output blocks): UNet only
        conv(layers, p, 2560, 1280, 8, 3, 1, 3, false);
        conv(layers, p, 1280, 1280, 8, 3, 1, 3, false);
        conv(layers, p, 2560, 1280, 8, 1, 1, 3, false);
        conv(layers, p, 1280, 1280, 16, 3, 1, 1 + 3, false);
        conv(layers, p, 2560, 1280, 16, 3, 1, 2, false);
        conv(layers, p, 1920, 1280, 16, 3, 1, 1, false);
        conv(layers, p, 2560, 1280, 16, 1, 1, 2, false);
        conv(layers, p, 1920, 1280, 16, 1, 1, 1, false);
        conv(layers, p, 1280, 1280, 32, 3, 1, 1, false);
        conv(layers, p, 1920, 640, 32, 3, 1, 1, false);
        conv(layers, p, 1280, 640, 32, 3, 1, 1, false);
        conv(layers, p, 960, 640, 32, 3, 1, 1, false);
        conv(layers, p, 640, 640, 32, 3, 1, 3, false);
        conv(layers, p, 1920, 640, 32, 1, 1, 1, false);
        conv(layers, p, 1280, 640, 32, 1, 1, 1, false);
        conv(layers, p, 960, 640, 32, 1, 1, 1, false);
        conv(layers, p, 640, 640, 64, 3, 1, 1, false);
        conv(layers, p, 960, 320, 64, 3, 1, 1, false);
        conv(layers, p, 640, 320, 64, 3, 1, 2, false);
        conv(layers, p, 320, 320, 64, 3, 1, 3, false);
        conv(layers, p, 960, 320, 64, 1, 1, 1, false);
        conv(layers, p, 640, 320, 64, 1, 1, 2, false);
        conv(layers, p, 320, 4, 64, 3, 1, 1, false);
        transformer(layers, p, 1280, 256, 3, false);
        transformer(layers, p, 640, 1024, 3, false);
        transformer(layers, p, 320, 4096, 3, false);

        // wall: as measured (inflated when other processes share the cores);
        // cpu / threads: what the same work takes with the cores to itself, assuming an even split
        double unetFlop = 0, unetWall = 0, unetCpu = 0, encFlop = 0, encWall = 0, encCpu = 0;
        // JIT warm-up: conv kernels and packers, then the first transformer (linear packers, the one-vector edge
        // kernel for N = 320, attention); a kernel first met while timing would run unoptimised until C2 is done
        for (Layer l : layers.subList(0, 4)) {
            l.run().run();
        }
        for (Layer l : layers) {
            if (l.name().endsWith("C=320 tokens=4096") && l.encoder()) {
                l.run().run();
            }
        }
        for (Layer l : layers) {
            KernelBench.Timing t = KernelBench.measure(1, l.run());
            double wall = t.wall() * l.count();
            double cpu = t.cpu() / threads * l.count();
            unetFlop += l.flop() * l.count();
            unetWall += wall;
            unetCpu += cpu;
            if (l.encoder()) {
                encFlop += l.flop() * l.count();
                encWall += wall;
                encCpu += cpu;
            }
            System.out.printf("  %-46s x%-2d wall %7.1f ms  cpu/threads %7.1f ms  %6.1f GFLOP/s%n", l.name(),
                    l.count(), wall * 1e3, cpu * 1e3, l.flop() * l.count() / cpu * 1e-9);
        }
        System.out.printf("UNet pass (batch 1): %.0f GFLOP, wall %.2f s, cpu/threads %.2f s (%.1f GFLOP/s)%n",
                unetFlop * 1e-9, unetWall, unetCpu, unetFlop / unetCpu * 1e-9);
        System.out.printf("ControlNet-like encoder+middle (batch 1): %.0f GFLOP, wall %.2f s, cpu/threads %.2f s%n",
                encFlop * 1e-9, encWall, encCpu);
    }

    private static void conv(List<Layer> out, Parallel p, int c, int o, int hw, int k, int stride, int count,
                             boolean encoder) {
        int pad = k / 2;
        float[] x = KernelBench.random(c * hw * hw, 1), w = KernelBench.random(o * c * k * k, 2);
        int ho = (hw + 2 * pad - k) / stride + 1;
        double flop = 2.0 * o * ho * ho * c * k * k;
        out.add(new Layer(String.format("conv%dx%d %d->%d @%d s%d", k, k, c, o, hw, stride), flop, count, encoder,
                () -> Conv2d.forward(p, x, 1, c, hw, hw, w, o, k, k, null, stride, pad)));
    }

    /** SD's SpatialTransformer: 8 C x C linears (proj_in/out, q k v out, cross q out), GEGLU FF, 2 attentions. */
    private static void transformer(List<Layer> out, Parallel p, int c, int tokens, int count, boolean encoder) {
        int heads = 8, d = c / heads, ctx = 77;
        float[] x = KernelBench.random(tokens * 8 * c, 1), w = KernelBench.random(8 * c * 4 * c, 2);
        float[] y = new float[tokens * 8 * c], kv = KernelBench.random(ctx * c, 3);
        float[] e = KernelBench.random(ctx * 768, 4);
        String at = String.format(" C=%d tokens=%d", c, tokens);
        out.add(new Layer("linear CxC" + at, 2.0 * tokens * c * c, 8 * count, encoder,
                () -> Gemm.gemmTransB(p, tokens, c, c, x, 0, c, w, 0, c, y, 0, c, false)));
        out.add(new Layer("linear C->8C (GEGLU in)" + at, 2.0 * tokens * 8 * c * c, count, encoder,
                () -> Gemm.gemmTransB(p, tokens, 8 * c, c, x, 0, c, w, 0, c, y, 0, 8 * c, false)));
        out.add(new Layer("geglu" + at, 0, count, encoder, () -> Activations.geglu(p, x, y, tokens, 4 * c)));
        out.add(new Layer("linear 4C->C (FF out)" + at, 2.0 * tokens * c * 4 * c, count, encoder,
                () -> Gemm.gemmTransB(p, tokens, c, 4 * c, x, 0, 4 * c, w, 0, 4 * c, y, 0, c, false)));
        out.add(new Layer("linear 768->C (context k, v)" + at, 2.0 * ctx * c * 768, 2 * count, encoder,
                () -> Gemm.gemmTransB(p, ctx, c, 768, e, 0, 768, w, 0, 768, y, 0, c, false)));
        out.add(new Layer("self-attention" + at, 4.0 * tokens * tokens * c, count, encoder,
                () -> Attention.forward(p, x, x, x, y, tokens, tokens, heads, d, 0.1f)));
        out.add(new Layer("cross-attention" + at, 4.0 * tokens * ctx * c, count, encoder,
                () -> Attention.forward(p, x, kv, kv, y, tokens, ctx, heads, d, 0.1f)));
    }
}
