// Winograd F(2x2,3x3) and F(4x4,3x3) convolution against the direct seven-loop reference: odd and tiny images
// (partial edge tiles, 1x1, 3x5), one channel in or out, batch 2, with and without bias, fp16 weights.
package rerender.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class Winograd3x3Test {
    static final Parallel P = new Parallel(2);

    @AfterAll
    static void close() {
        P.close();
    }

    // n, c, h, w, o
    static final int[][] CASES = {
        {1, 1, 1, 1, 1},
        {1, 3, 3, 5, 4},
        {1, 1, 7, 9, 3},
        {1, 5, 8, 8, 1},
        {2, 6, 11, 13, 7},
        {1, 33, 17, 19, 35},
        {2, 40, 16, 16, 24},
        {1, 300, 9, 10, 5},
        {1, 666, 6, 7, 4}, // C > 640: three K blocks in each point GEMM (and its prepacked weights), O not a multiple of 3
        {1, 8, 70, 66, 9}, // several chunks of tile rows
        {1, 50, 8, 8, 100}, // small map (fused weight transform) over several blocks of output channels
        {1, 500, 6, 7, 4}, // 320 < C <= 640: one deep K block
        {2, 666, 12, 12, 52}, // fused with three K blocks, a batch of two and a partial last block of channels
    };

    static double check(Conv2d.Algorithm alg, boolean half) {
        double worst = 0;
        long seed = 11;
        for (int[] t : CASES) {
            for (boolean withBias : new boolean[] {true, false}) {
                int n = t[0], c = t[1], h = t[2], w = t[3], o = t[4];
                float[] x = KernelTestSupport.random(n * c * h * w, seed++);
                float[] wt = KernelTestSupport.random(o * c * 9, seed++);
                short[] wh = null;
                if (half) {
                    wh = HalfWeightsTest.toHalf(wt);
                    wt = HalfWeightsTest.widen(wh);
                }
                float[] bias = withBias ? KernelTestSupport.random(o, seed++) : null;
                float[] fast = Conv2d.forward(P, x, n, c, h, w, half ? null : wt, half ? Fp16.copyOf(wh) : null, o, 3, 3,
                        bias, 1, 1, alg);
                float[] ref = Conv2d.reference(P, x, n, c, h, w, wt, o, 3, 3, bias, 1, 1);
                double err = KernelTestSupport.relL2(fast, ref);
                String what = alg + " " + java.util.Arrays.toString(t) + " bias=" + withBias + " half=" + half;
                assertTrue(fast.length == ref.length && err <= 1e-5, what + " error " + err);
                worst = Math.max(worst, err);
            }
        }
        return worst;
    }

    @Test
    void specialisedF4WeightTransformMatchesTheGeneralOne() {
        // channels: below one vector, not a multiple of 8, one deep K-block, K-blocks of 234 (groups of 8 cross
        // their edges); outputs not a multiple of MR (a padded sliver); fp16 packed and float weights
        for (int[] t : new int[][] {{5, 7}, {13, 4}, {333, 6}, {700, 5}, {64, 9}}) {
            int c = t[0], o = t[1];
            for (boolean half : new boolean[] {false, true}) {
                float[] wt = KernelTestSupport.random(o * c * 9, c + o);
                ConvWeights w = half ? ConvWeights.packHalf(Fp16.copyOf(HalfWeightsTest.toHalf(wt)), o, c * 9)
                        : ConvWeights.of(wt, o, c * 9);
                int size = 36 * BlockedGemm.roundUp(o, BlockedGemm.MR) * c;
                float[] general = new float[size], special = new float[size];
                java.util.Arrays.fill(special, Float.NaN); // every element the general one writes must be written
                Winograd3x3.transformWeights(P, w, o, c, Winograd3x3.Tile.F4, general, false);
                Winograd3x3.transformWeights(P, w, o, c, Winograd3x3.Tile.F4, special, true);
                for (int i = 0; i < size; i++) {
                    assertEquals(general[i], special[i], 2e-6 * (1 + Math.abs(general[i])),
                            "c=" + c + " o=" + o + " half=" + half + " at " + i);
                }
            }
        }
    }

    @Test
    void casesCoverTheFusedAndTheChunkedPath() {
        boolean fused = false, chunked = false;
        for (int[] t : CASES) {
            boolean f = Winograd3x3.fused(t[2], t[3], Winograd3x3.Tile.F2);
            fused |= f && t[4] > 24 * 2 && t[1] > BlockedGemm.kcMax(t[1]); // several channel blocks and K-blocks
            chunked |= !f;
        }
        assertTrue(fused && chunked, "F2: fused " + fused + ", chunked " + chunked);
    }

    @Test
    void rowWiseInputTransformGivesTheGatheringOnesBits() {
        // {c, h, w}: widths not a multiple of the tile, more and fewer than 8 tiles per row, a map of one tile
        for (int[] t : new int[][] {{3, 17, 19}, {2, 8, 70}, {5, 33, 35}, {1, 2, 3}, {4, 64, 64}}) {
            for (Winograd3x3.Tile tile : Winograd3x3.Tile.values()) {
                int c = t[0], h = t[1], w = t[2];
                int tilesW = (w + tile.m - 1) / tile.m, tilesH = (h + tile.m - 1) / tile.m;
                float[] x = KernelTestSupport.random(2 * c * h * w, c + h + w);
                int a2 = tile.alpha * tile.alpha;
                for (int ty0 = 0; ty0 < tilesH; ty0 += 2) { // chunks of two tile rows, second batch item
                    int rows = Math.min(2, tilesH - ty0), tt = rows * tilesW;
                    float[] want = new float[a2 * c * tt], got = new float[want.length];
                    java.util.Arrays.fill(got, Float.NaN);
                    Winograd3x3.inputTransformReference(x, c * h * w, h, w, tile, tilesW, ty0, tt, 0, c, want, c);
                    Winograd3x3.inputTransform(x, c * h * w, h, w, tile, tilesW, ty0, tt, 0, c, got, c);
                    assertArrayEquals(want, got, 0f, tile + " " + java.util.Arrays.toString(t) + " ty0=" + ty0);
                }
            }
        }
    }

    @Test
    void rowWiseOutputTransformGivesTheScatteringOnesBits() {
        for (int[] t : new int[][] {{3, 17, 19}, {2, 8, 70}, {5, 33, 35}, {1, 2, 3}, {4, 64, 64}}) { // {o, h, w}
            for (Winograd3x3.Tile tile : Winograd3x3.Tile.values()) {
                int o = t[0], h = t[1], w = t[2];
                int tilesW = (w + tile.m - 1) / tile.m, tilesH = (h + tile.m - 1) / tile.m;
                int a2 = tile.alpha * tile.alpha;
                float[] bias = KernelTestSupport.random(o, o);
                for (int ty0 = 0; ty0 < tilesH; ty0 += 2) {
                    int rows = Math.min(2, tilesH - ty0), tt = rows * tilesW;
                    float[] mm = KernelTestSupport.random(a2 * o * tt, ty0 + h);
                    float[] want = new float[2 * o * h * w], got = new float[want.length];
                    Winograd3x3.outputTransformReference(mm, tile, tilesW, ty0, tt, 0, o, o, bias, want, o * h * w, h, w);
                    Winograd3x3.outputTransform(mm, tile, tilesW, ty0, tt, 0, o, o, bias, got, o * h * w, h, w);
                    assertArrayEquals(want, got, 0f, tile + " " + java.util.Arrays.toString(t) + " ty0=" + ty0);
                }
            }
        }
    }

    @Test
    void f2MatchesReference() {
        System.out.printf("Winograd F(2,3) worst rel L2 %.2e (fp32), %.2e (fp16 weights)%n",
                check(Conv2d.Algorithm.WINOGRAD_F2, false), check(Conv2d.Algorithm.WINOGRAD_F2, true));
    }

    @Test
    void f4MatchesReference() {
        System.out.printf("Winograd F(4,3) worst rel L2 %.2e (fp32), %.2e (fp16 weights)%n",
                check(Conv2d.Algorithm.WINOGRAD_F4, false), check(Conv2d.Algorithm.WINOGRAD_F4, true));
    }

    @Test
    void autoDispatchAgreesWithImplicitGemmOnALargeShape() {
        int c = 128, h = 33, w = 35, o = 128;
        assertEquals(Conv2d.Algorithm.WINOGRAD_F4, Conv2d.pick(c, h, w, o));
        float[] x = KernelTestSupport.random(c * h * w, 1), wt = KernelTestSupport.random(o * c * 9, 2);
        float[] bias = KernelTestSupport.random(o, 3);
        float[] auto = Conv2d.forward(P, x, 1, c, h, w, wt, o, 3, 3, bias, 1, 1);
        float[] gemm = Conv2d.forward(P, x, 1, c, h, w, wt, null, o, 3, 3, bias, 1, 1, Conv2d.Algorithm.IMPLICIT_GEMM);
        float[] f4 = Conv2d.forward(P, x, 1, c, h, w, wt, null, o, 3, 3, bias, 1, 1, Conv2d.Algorithm.WINOGRAD_F4);
        assertArrayEquals(f4, auto, 0f);
        assertTrue(KernelTestSupport.relL2(auto, gemm) <= 1e-5);
    }

    @Test
    void autoDispatchUsesFusedF2OnSixteenBySixteenMaps() {
        int c = 130, h = 16, w = 16, o = 131;
        assertEquals(Conv2d.Algorithm.WINOGRAD_F2, Conv2d.pick(c, h, w, o));
        assertTrue(Winograd3x3.fused(h, w, Winograd3x3.Tile.F2));
        assertEquals(Conv2d.Algorithm.IMPLICIT_GEMM, Conv2d.pick(c, 8, 8, o));
        assertEquals(Conv2d.Algorithm.IMPLICIT_GEMM, Conv2d.pick(64, h, w, o));
        float[] x = KernelTestSupport.random(c * h * w, 4), wt = KernelTestSupport.random(o * c * 9, 5);
        float[] bias = KernelTestSupport.random(o, 6);
        float[] auto = Conv2d.forward(P, x, 1, c, h, w, wt, o, 3, 3, bias, 1, 1);
        float[] ref = Conv2d.reference(P, x, 1, c, h, w, wt, o, 3, 3, bias, 1, 1);
        assertTrue(KernelTestSupport.relL2(auto, ref) <= 1e-5);
    }

    @Test
    void keptF4TransformGivesTheBitsOfOneMadePerCall() {
        int c = 130, o = 131;
        float[] wt = KernelTestSupport.random(o * c * 9, 7), bias = KernelTestSupport.random(o, 8);
        for (boolean half : new boolean[] {false, true}) {
            ConvWeights plain = half ? ConvWeights.packHalf(Fp16.copyOf(HalfWeightsTest.toHalf(wt)), o, c * 9)
                    : ConvWeights.of(wt, o, c * 9);
            ConvWeights kept = plain.keepingTransforms();
            // 30x58: 8x15 = 120 tiles, kept; 36x60: 9x15 = 135 tiles, transformed per call until a kept one exists
            // {h, w, kept after this call}
            for (int[] hw : new int[][] {{36, 60, 0}, {30, 58, 1}, {30, 58, 1}, {32, 29, 1}, {36, 60, 1}}) {
                int h = hw[0], w = hw[1];
                float[] x = KernelTestSupport.random(2 * c * h * w, h * 100 + w);
                float[] a = Conv2d.forward(P, x, 2, c, h, w, plain, 3, 3, bias, 1, 1, Conv2d.Algorithm.WINOGRAD_F4);
                float[] b = Conv2d.forward(P, x, 2, c, h, w, kept, 3, 3, bias, 1, 1, Conv2d.Algorithm.WINOGRAD_F4);
                assertArrayEquals(a, b, 0f, h + "x" + w + " half=" + half);
                assertEquals(hw[2] == 1, kept.hasKeptTransform(), "kept after " + h + "x" + w);
            }
            assertTrue(kept.hasKeptTransform());
            assertTrue(!plain.hasKeptTransform(), "a weight not asked to keep its transform keeps none");
        }
    }

    @Test
    void rejectsWinogradOnOtherGeometry() {
        assertThrows(IllegalArgumentException.class, () -> Conv2d.forward(P, new float[64], 1, 1, 8, 8,
                new float[9], null, 1, 3, 3, null, 2, 1, Conv2d.Algorithm.WINOGRAD_F4));
    }
}
