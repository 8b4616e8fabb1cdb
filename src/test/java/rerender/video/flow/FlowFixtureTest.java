// Flow warping, consistency check and latent down-sampling against the reference tensors of fixtures/tiny/flow.*.
package rerender.video.flow;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import rerender.testutil.Shared;
import rerender.video.FloatImage;
import rerender.weights.StoredTensor;
import rerender.weights.TensorFile;

import static org.junit.jupiter.api.Assertions.*;

class FlowFixtureTest {
    static TensorFile file;

    @BeforeAll
    static void open() {
        file = TensorFile.open(Shared.tiny("flow.safetensors"));
    }

    @AfterAll
    static void close() {
        file.close();
    }

    static StoredTensor t(String key) {
        StoredTensor s = file.get(key);
        assertNotNull(s, "missing fixture tensor " + key);
        return s;
    }

    /** [1, 2, H, W] -> Flow */
    static Flow flow(String key) {
        long[] s = t(key).shape();
        return Flow.fromPlanar((int) s[3], (int) s[2], t(key).toFloats());
    }

    /** [1, C, H, W] or [1, H, W] -> [H, W, C] image */
    static FloatImage image(String key) {
        long[] s = t(key).shape();
        int c = s.length == 4 ? (int) s[1] : 1, h = (int) s[s.length - 2], w = (int) s[s.length - 1];
        float[] planar = t(key).toFloats();
        FloatImage img = new FloatImage(w, h, c);
        for (int ch = 0; ch < c; ch++) {
            for (int i = 0; i < w * h; i++) {
                img.data[i * c + ch] = planar[ch * w * h + i];
            }
        }
        return img;
    }

    static double relL2(float[] out, float[] ref) {
        double num = 0, den = 0;
        for (int i = 0; i < ref.length; i++) {
            assertFalse(Float.isNaN(out[i]), "NaN at " + i);
            num += (out[i] - ref[i]) * (double) (out[i] - ref[i]);
            den += ref[i] * (double) ref[i];
        }
        return Math.sqrt(num / Math.max(den, 1e-30));
    }

    static void assertClose(FloatImage ref, FloatImage out) {
        assertEquals(ref.width, out.width);
        assertEquals(ref.height, out.height);
        assertEquals(ref.channels, out.channels);
        double e = relL2(out.data, ref.data);
        assertTrue(e <= 1e-4, "relative L2 error " + e);
    }

    @Test
    void randomFlowWarpMatchesGridSample() {
        FloatImage feature = image("warp.feature");
        Flow flow = flow("warp.flow");
        assertClose(image("warp.bilinear"), Warp.bilinear(feature, flow));
        // nearest: exact equality is expected away from ties (uniform random flows hit no exact half)
        assertArrayEquals(image("warp.nearest").data, Warp.nearest(feature, flow).data);
    }

    @Test
    void smoothFlowImageWarpMatchesGridSample() {
        FloatImage img = image("warp_img.image");
        Flow flow = flow("warp_img.flow");
        assertClose(image("warp_img.bilinear"), Warp.bilinear(img, flow));
        assertArrayEquals(image("warp_img.nearest").data, Warp.nearest(img, flow).data);
    }

    @Test
    void halfPixelTiesRoundLikeTheReference() {
        FloatImage feature = image("ties.feature");
        Flow flow = flow("ties.flow");
        assertClose(image("ties.bilinear"), Warp.bilinear(feature, flow));
        // we emulate grid_sample's float32 normalise/unnormalise round trip, so even the ties agree exactly
        assertArrayEquals(image("ties.nearest").data, Warp.nearest(feature, flow).data);
    }

    @Test
    void consistencyCheckMatchesTheReferenceMasks() {
        Occlusion occ = Occlusion.check(new FlowPair(flow("fb.fwd_flow"), flow("fb.bwd_flow")));
        FloatImage refF = image("fb.fwd_occ"), refB = image("fb.bwd_occ");
        assertArrayEquals(refF.data, occ.forward().data);
        assertArrayEquals(refB.data, occ.backward().data);
        double fraction = 0;
        for (float v : refF.data) {
            fraction += v;
        }
        fraction /= refF.data.length;
        assertTrue(fraction > 0.02 && fraction < 0.98, "fixture should have both occluded and visible pixels: " + fraction);
    }

    @Test
    void latentFlowAndMasksMatchTheReference() {
        Flow lat = flow("latent.flow_in").downsampled(8);
        Flow ref = flow("latent.flow_out");
        assertEquals(ref.width, lat.width);
        assertEquals(ref.height, lat.height);
        assertTrue(relL2(lat.data, ref.data) <= 1e-5, "latent flow error " + relL2(lat.data, ref.data));

        FloatImage occ = image("latent.occ_in");
        assertArrayEquals(image("latent.maxpool8_mask").data, Masks.latentValid(occ, 8).data);
        assertArrayEquals(image("latent.maxpool9s1p4").data, Masks.maxPool(occ, 9, 1, 4).data);
    }
}
