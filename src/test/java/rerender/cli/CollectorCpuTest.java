package rerender.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CollectorCpuTest {
    @Test
    void readsUserPlusSystemTicksOfAStatLine() {
        // a thread's /proc/<pid>/task/<tid>/stat after "(comm) ": state, ppid, pgrp, session, tty_nr, tpgid, flags,
        // minflt, cminflt, majflt, cmajflt, utime (14th field of proc(5)), stime (15th), ...
        String afterName = "S 1 1 1 0 -1 4194624 120 0 3 0 250 17 0 0 20 0 24 0 123 456789 1000";
        assertEquals(267, CollectorCpu.ticks(afterName));
    }

    @Test
    void countsTheCollectorsThreadsOnly() {
        assertTrue(CollectorCpu.isCollector("GC Thread#0"));
        assertTrue(CollectorCpu.isCollector("G1 Conc#0"));
        assertTrue(CollectorCpu.isCollector("G1 Main Marker"));
        assertFalse(CollectorCpu.isCollector("kernels-1-0"));
        assertFalse(CollectorCpu.isCollector("C2 CompilerThre"));
        assertFalse(CollectorCpu.isCollector("VM Thread"));
    }

    @Test
    void neverGoesBackwards() {
        long a = CollectorCpu.nanos();
        byte[][] garbage = new byte[64][];
        for (int i = 0; i < 2000; i++) {
            garbage[i % 64] = new byte[64 << 10];
        }
        System.gc();
        long b = CollectorCpu.nanos();
        assertTrue(b >= a, a + " then " + b);
        assertEquals(0, b % 10_000_000L, "whole clock ticks");
        assertTrue(garbage[0].length > 0);
    }
}
