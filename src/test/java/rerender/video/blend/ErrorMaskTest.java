// Error-mask rule on hand-made error maps: the weighted comparison, the forced ends, the OR with the previous mask.
package rerender.video.blend;

import org.junit.jupiter.api.Test;
import rerender.video.FloatImage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ErrorMaskTest {
    @Test
    void weightedComparison() {
        float[] errA = {1, 1, 3, 2, 0, 5};
        float[] errB = {1, 2, 1, 2, 0, Float.NaN};
        // w1 = 0.25, w2 = 0.75: B where 0.25·a >= 0.75·b
        boolean[] m = ErrorMask.compute(errA, errB, 0.25, null);
        assertArrayEquals(new boolean[]{false, false, true, false, true, true}, m);
        // w1 = 0.5: B where a >= b (ties go to B)
        m = ErrorMask.compute(errA, errB, 0.5, null);
        assertArrayEquals(new boolean[]{true, false, true, true, true, true}, m);
    }

    @Test
    void endsAreForced() {
        float[] errA = {100, 0}, errB = {0, 100};
        assertArrayEquals(new boolean[]{false, false}, ErrorMask.compute(errA, errB, 0, null));
        assertArrayEquals(new boolean[]{true, true}, ErrorMask.compute(errA, errB, 1, null));
    }

    @Test
    void previousMaskIsOredIn() {
        float[] errA = {0, 0, 9, 9}, errB = {9, 9, 0, 0};
        boolean[] prev = {true, false, true, false};
        assertArrayEquals(new boolean[]{true, false, true, true}, ErrorMask.compute(errA, errB, 0.5, prev));
        // even w1 = 0 (would be all A) keeps the pixels that already switched
        assertArrayEquals(prev, ErrorMask.compute(errA, errB, 0, prev));
    }

    @Test
    void referenceWeights() {
        // key interval 5: in-between frames 1..4 get w1 = 0, 1/4, 2/4, 3/4
        assertEquals(0.0, ErrorMask.forwardWeight(1, 5));
        assertEquals(0.75, ErrorMask.forwardWeight(4, 5));
        assertThrows(IllegalArgumentException.class, () -> ErrorMask.forwardWeight(5, 5));
        assertThrows(IllegalArgumentException.class, () -> ErrorMask.compute(new float[2], new float[3], 0.5, null));
    }

    @Test
    void composeTakesBWhereMasked() {
        FloatImage a = new FloatImage(2, 1, 3).filled(10), b = new FloatImage(2, 1, 3).filled(20);
        FloatImage c = ErrorMask.compose(a, b, new boolean[]{false, true});
        assertArrayEquals(new float[]{10, 10, 10, 20, 20, 20}, c.data);
    }
}
