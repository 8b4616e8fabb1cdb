// Measures the DIS presets on the sample clips (time per flow pair, photometric error where consistent, occluded
// share). Runs only with RERENDER_SURVEY=1 (about a minute); the figures back the choice of DisFlow.DEFAULT.
package rerender.video.flow;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import rerender.testutil.Shared;
import rerender.video.FloatImage;
import rerender.video.io.FrameRange;
import rerender.video.io.VideoReadOptions;
import rerender.video.io.VideoSource;

import java.util.List;

class DisPresetSurveyTest {
    @Test
    void survey() throws Exception {
        Assumptions.assumeTrue(System.getenv("RERENDER_SURVEY") != null, "set RERENDER_SURVEY=1 to run");
        for (String clip : new String[] {"pexels-antoni", "pexels-cottonbro", "pexels-koolshooters"}) {
            List<FloatImage> frames;
            try (VideoSource s = VideoSource.open(Shared.video(clip), VideoReadOptions.DEFAULT.withRange(new FrameRange(40, 11)))) {
                frames = s.readAll();
            }
            for (int gap : new int[] {1, 10}) {
                FloatImage a = frames.get(0), b = frames.get(gap);
                for (DisFlow.Preset p : DisFlow.Preset.values()) {
                    DisFlow dis = new DisFlow(p);
                    dis.estimate(a, b); // warm-up
                    long t0 = System.nanoTime();
                    int reps = 3;
                    FlowPair pair = null;
                    for (int r = 0; r < reps; r++) {
                        pair = dis.estimate(a, b);
                    }
                    double ms = (System.nanoTime() - t0) / 1e6 / reps;
                    Occlusion occ = Occlusion.check(pair);
                    FloatImage warped = Warp.bilinear(a, pair.backward()); // a brought onto b
                    double err = 0, all = 0;
                    int n = 0, nOcc = 0;
                    for (int i = 0; i < b.width * b.height; i++) {
                        double d = 0;
                        for (int c = 0; c < 3; c++) {
                            d += Math.abs(warped.data[3 * i + c] - b.data[3 * i + c]) / 3;
                        }
                        all += d;
                        if (occ.backward().data[i] == 0) {
                            err += d;
                            n++;
                        } else {
                            nOcc++;
                        }
                    }
                    System.out.printf("SURVEY %-20s %dx%d gap %2d %-9s %7.1f ms/pair  L1 visible %.2f  L1 all %.2f  occluded %.1f%%%n",
                            clip, a.width, a.height, gap, p, ms, err / n, all / (b.width * b.height), 100.0 * nOcc / (b.width * b.height));
                }
            }
        }
    }
}
