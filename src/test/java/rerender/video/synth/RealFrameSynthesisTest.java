// Real-data check: carrying a filtered key frame 10 frames ahead on a sample clip beats reusing the key as it is.
package rerender.video.synth;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.ForkJoinPool;
import org.junit.jupiter.api.Test;
import rerender.testutil.Shared;
import rerender.video.FloatImage;

class RealFrameSynthesisTest {

    @Test
    void propagatedFilterBeatsTheUnmovedKey() throws Exception {
        FloatImage[] frames = SynthBench.decode(Shared.video("pexels-cottonbro"), 10, 160, 128);
        FloatImage key = frames[0], target = frames[1];
        FloatImage style = SynthBench.filter(key), truth = SynthBench.filter(target);
        List<Guide> guides = List.of(new Guide(key, target, 6f),
                new Guide(GuideImages.laplacianEdges(SynthBench.grey(key)),
                        GuideImages.laplacianEdges(SynthBench.grey(target)), 0.5f));
        SynthResult res;
        try (ForkJoinPool pool = new ForkJoinPool(2)) {
            res = PatchSynthesis.synthesize(style, guides, SynthParams.defaults(), pool);
        }
        double synth = SynthBench.psnr(res.image(), truth), unmoved = SynthBench.psnr(style, truth);
        System.out.printf("real-frame synthesis %.2f dB, unmoved key %.2f dB%n", synth, unmoved);
        // the local filter is a function of the frame, so a good synthesis follows the motion the key misses
        assertTrue(synth > unmoved + 5, "synthesised " + synth + " dB vs unmoved key " + unmoved + " dB");
    }
}
