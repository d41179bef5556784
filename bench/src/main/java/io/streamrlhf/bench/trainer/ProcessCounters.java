package io.streamrlhf.bench.trainer;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * This process's kernel counters from {@code /proc/self}: CPU seconds in user and system mode (all threads), minor
 * and major page faults, and voluntary and involuntary context switches summed over the live threads. Their
 * differences over a step tell where a step's wall time goes without needing an idle machine: system time and
 * minor faults grow with fresh large allocations (the kernel zero-fills every page first touched), voluntary
 * switches with waiting (locks, I/O, a thread pool's barrier), involuntary ones with other processes taking the
 * core. The scheduler's own accounting ({@code /proc/self/task/ID/schedstat}) splits a step's off-CPU time: the
 * time its threads were runnable but waited for a core ({@code runqueueWaitSeconds}: other processes' load) and,
 * what is left of wall time, the time they slept (a wait of the step's own making).
 * {@code bench/scripts/torch_bench_common.py} reads the same files for the PyTorch side.
 *
 * @param userSeconds CPU seconds in user mode, every thread
 * @param systemSeconds CPU seconds in the kernel on this process's behalf, every thread
 * @param minorFaults page faults served without I/O (a first touch of a fresh page among them)
 * @param majorFaults page faults that read from disk
 * @param voluntarySwitches times a thread gave up its core to wait
 * @param involuntarySwitches times the scheduler took a thread's core away
 * @param runqueueWaitSeconds seconds the threads were runnable but waited for a core, summed over live threads
 * @param callerCpuSeconds seconds the calling thread (the one taking the step) ran, from its schedstat
 * @param callerWaitSeconds seconds the calling thread was runnable but waited for a core; its wall time minus this
 *     and its CPU time is what it slept
 */
public record ProcessCounters(
        double userSeconds,
        double systemSeconds,
        long minorFaults,
        long majorFaults,
        long voluntarySwitches,
        long involuntarySwitches,
        double runqueueWaitSeconds,
        double callerCpuSeconds,
        double callerWaitSeconds) {

    /** Linux's USER_HZ, the unit of {@code /proc}'s CPU times (100 on every mainstream architecture). */
    private static final double TICKS_PER_SECOND = 100.0;

    /** The counters now; all zero where {@code /proc} is not readable. */
    public static ProcessCounters now() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            // Fields after the command name, which is in parentheses and may contain spaces.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
            // f[0] is field 3 (state): minflt is field 10, majflt 12, utime 14, stime 15.
            long minor = Long.parseLong(f[7]);
            long major = Long.parseLong(f[9]);
            double user = Long.parseLong(f[11]) / TICKS_PER_SECOND;
            double system = Long.parseLong(f[12]) / TICKS_PER_SECOND;
            long voluntary = 0;
            long involuntary = 0;
            long waitNanos = 0;
            try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
                for (Path task : tasks) {
                    try {
                        for (String line : Files.readAllLines(task.resolve("status"))) {
                            if (line.startsWith("voluntary_ctxt_switches:")) {
                                voluntary += Long.parseLong(line.replaceAll("[^0-9]", ""));
                            } else if (line.startsWith("nonvoluntary_ctxt_switches:")) {
                                involuntary += Long.parseLong(line.replaceAll("[^0-9]", ""));
                            }
                        }
                        // "on-CPU ns, runqueue-wait ns, timeslices"
                        waitNanos += Long.parseLong(Files.readString(task.resolve("schedstat"))
                                .trim()
                                .split(" ")[1]);
                    } catch (IOException | RuntimeException threadEnded) {
                        // A thread that ended between the listing and the read: its counts are gone anyway.
                    }
                }
            }
            String[] caller = Files.readString(Path.of("/proc/thread-self/schedstat"))
                    .trim()
                    .split(" ");
            return new ProcessCounters(
                    user,
                    system,
                    minor,
                    major,
                    voluntary,
                    involuntary,
                    waitNanos / 1e9,
                    Long.parseLong(caller[0]) / 1e9,
                    Long.parseLong(caller[1]) / 1e9);
        } catch (IOException | RuntimeException e) {
            return new ProcessCounters(0, 0, 0, 0, 0, 0, 0, 0, 0);
        }
    }

    /**
     * CPU seconds (user and system) of each live thread by {@code id/name}: which threads did a run's work (an
     * engine's intra-op pool, a BLAS pool, the JVM's compiler and collector threads).
     */
    public static java.util.Map<String, Double> threadCpuSeconds() {
        java.util.Map<String, Double> out = new java.util.TreeMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path task : tasks) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    String[] f =
                            stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
                    double cpu = (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS_PER_SECOND;
                    out.put(task.getFileName() + "/" + name, cpu);
                } catch (IOException | RuntimeException threadEnded) {
                    // Gone between the listing and the read.
                }
            }
        } catch (IOException e) {
            return out;
        }
        return out;
    }

    /** {@code this - earlier}, counter by counter. */
    public ProcessCounters minus(ProcessCounters earlier) {
        return new ProcessCounters(
                userSeconds - earlier.userSeconds,
                systemSeconds - earlier.systemSeconds,
                minorFaults - earlier.minorFaults,
                majorFaults - earlier.majorFaults,
                voluntarySwitches - earlier.voluntarySwitches,
                involuntarySwitches - earlier.involuntarySwitches,
                runqueueWaitSeconds - earlier.runqueueWaitSeconds,
                callerCpuSeconds - earlier.callerCpuSeconds,
                callerWaitSeconds - earlier.callerWaitSeconds);
    }
}
