package rerender.pipeline;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PropagationPlanTest {
    @Test
    void intervalKeysIncludeTheLastFrame() {
        assertArrayEquals(new int[]{0, 10, 20, 30}, PropagationPlan.everyKth(31, 10).keys());
        assertArrayEquals(new int[]{0, 10, 20, 24}, PropagationPlan.everyKth(25, 10).keys());
        assertArrayEquals(new int[]{0, 1}, PropagationPlan.everyKth(2, 10).keys());
        PropagationPlan p = PropagationPlan.everyKth(25, 10);
        assertEquals(List.of(new Segment(0, 10), new Segment(10, 20), new Segment(20, 24)), p.segments());
        assertEquals(25 - 4, p.inBetweenCount());
    }

    @Test
    void unevenKeysAreAccepted() {
        PropagationPlan p = new PropagationPlan(31, new int[]{0, 12, 13, 30});
        assertEquals(List.of(new Segment(0, 12), new Segment(12, 13), new Segment(13, 30)), p.segments());
        assertTrue(p.isKey(13));
    }

    @Test
    void badKeysAreRefusedWithTheFrameNamed() {
        var noZero = assertThrows(IllegalArgumentException.class, () -> new PropagationPlan(9, new int[]{2, 8}));
        assertTrue(noZero.getMessage().contains("frame 0 must be a key frame"), noZero.getMessage());
        var noLast = assertThrows(IllegalArgumentException.class, () -> new PropagationPlan(9, new int[]{0, 4}));
        assertTrue(noLast.getMessage().contains("last frame 8"), noLast.getMessage());
        var past = assertThrows(IllegalArgumentException.class, () -> new PropagationPlan(9, new int[]{0, 9}));
        assertTrue(past.getMessage().contains("past the last frame"), past.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new PropagationPlan(9, new int[]{0, 4, 4, 8}));
        var itv = assertThrows(IllegalArgumentException.class, () -> PropagationPlan.everyKth(9, 1));
        assertTrue(itv.getMessage().contains("at least 2"));
    }
}
