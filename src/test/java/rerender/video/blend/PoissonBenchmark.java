// Timing of the Poisson step at frame size (not a unit test): best-of-N wall and thread-CPU time. Run:
// java --add-modules jdk.incubator.vector -cp target/classes:target/test-classes rerender.video.blend.PoissonBenchmark [w h reps]
package rerender.video.blend;

import rerender.video.FloatImage;
import rerender.video.color.Lab;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

public final class PoissonBenchmark {
    private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();

    public static void main(String[] args) {
        int w = args.length > 0 ? Integer.parseInt(args[0]) : 640;
        int h = args.length > 1 ? Integer.parseInt(args[1]) : 512;
        int reps = args.length > 2 ? Integer.parseInt(args[2]) : 15;
        FloatImage a = BlendImages.textured(w, h, 1), b = BlendImages.textured(w, h, 2);
        boolean[] mask = BlendImages.randomMask(w * h, 3);
        FloatImage labA = Lab.fromRgb(a), labB = Lab.fromRgb(b);
        FloatImage labHist = HistogramBlend.blendLab(labA, labB, mask, 0.5);
        FloatImage hist = Lab.toRgb(labHist);
        DctPoissonSolver solver = new DctPoissonSolver(w, h);
        PoissonBlend serial = new PoissonBlend(solver, PoissonBlend.DEFAULT_GRAD_WEIGHTS, Runnable::run);
        try (ExecutorService pool = Executors.newFixedThreadPool(3)) {
            PoissonBlend parallel = new PoissonBlend(solver, PoissonBlend.DEFAULT_GRAD_WEIGHTS, pool);
            time("PoissonBlend.blendLab (gradients + 3 DCT solves), 1 thread", reps, () -> serial.blendLab(labA, labB, mask, labHist));
            time("PoissonBlend.blendLab, 3 channel threads (wall only meaningful)", reps, () -> parallel.blendLab(labA, labB, mask, labHist));
            time("PoissonBlend.blend (RGB in/out, 3 Lab conversions in, 1 out)", reps, () -> serial.blend(a, b, mask, hist));
            time("HistogramBlend.blend (RGB in/out)", reps, () -> HistogramBlend.blend(a, b, mask, 0.5));
            FrameBlender fb = new FrameBlender(w, h, true, Runnable::run);
            float[] ea = new float[w * h], eb = new float[w * h];
            for (int i = 0; i < ea.length; i++) {
                ea[i] = i % 7;
                eb[i] = i % 5;
            }
            time("FrameBlender.blend with Poisson, 1 thread (whole blend stage)", reps, () -> fb.blend(a, b, ea, eb, 0.5, null));
        }
    }

    private static void time(String what, int reps, Runnable r) {
        double wall = Double.MAX_VALUE, cpu = Double.MAX_VALUE;
        for (int i = 0; i < reps; i++) {
            long t0 = System.nanoTime(), c0 = MX.getCurrentThreadCpuTime();
            r.run();
            wall = Math.min(wall, (System.nanoTime() - t0) / 1e6);
            cpu = Math.min(cpu, (MX.getCurrentThreadCpuTime() - c0) / 1e6);
        }
        System.out.printf("%-70s best of %d: wall %6.1f ms, calling-thread CPU %6.1f ms%n", what, reps, wall, cpu);
    }
}
