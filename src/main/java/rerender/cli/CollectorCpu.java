// CPU time of the JVM's garbage-collector threads (Linux): on this 2-core machine every millisecond a collector
// thread runs is taken from one of the two compute threads, so the benchmark reports it beside the wall time.
package rerender.cli;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

final class CollectorCpu {
    private CollectorCpu() {
    }

    private static final Path TASKS = Path.of("/proc/self/task");
    /** USER_HZ: the unit of utime/stime in /proc, 100 on every Linux architecture the JDK runs on. */
    private static final long NANOS_PER_TICK = 10_000_000L;

    static boolean available() {
        return Files.isDirectory(TASKS);
    }

    /**
     * CPU nanoseconds (user + system) used so far by the collector's threads: HotSpot names them "GC Thread#n"
     * (parallel phases of pauses, G1 and Parallel GC) and "G1 ..." (G1's concurrent marking, refinement and service
     * threads). 0 where /proc is not there.
     */
    static long nanos() {
        if (!available()) {
            return 0;
        }
        long ticks = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
            for (Path task : tasks) {
                ticks += collectorTicks(task.resolve("stat"));
            }
        } catch (IOException e) {
            return 0;
        }
        return ticks * NANOS_PER_TICK;
    }

    /** utime + stime of one thread if its name is a collector's, else 0 (also when it ended meanwhile). */
    private static long collectorTicks(Path stat) {
        String s;
        try {
            s = Files.readString(stat);
        } catch (IOException e) {
            return 0;
        }
        int open = s.indexOf('('), close = s.lastIndexOf(')');
        if (open < 0 || close < open) {
            return 0;
        }
        return isCollector(s.substring(open + 1, close)) ? ticks(s.substring(close + 2)) : 0;
    }

    static boolean isCollector(String threadName) {
        return threadName.startsWith("GC Thread") || threadName.startsWith("G1 ");
    }

    /** Fields after "(comm) ": state is index 0, so utime (field 14 of proc(5)) is index 11 and stime index 12. */
    static long ticks(String afterName) {
        String[] f = afterName.split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }
}
