package io.streamrlhf.bench.chaos;

/**
 * {@code bench/run ChaosBenchmark [key=value...]}: one chaos run ({@link ChaosRun}) on the full schedule by default
 * (every component process killed twice, the broker and the registry restarted once, 20 s apart), then its figures.
 * Arguments: see {@link ChaosSettings#fromArgs}. Exits 1 when the goal (0 lost, 0 doubled, every recovery under
 * 15 s) was missed.
 */
public final class ChaosBenchmark {

    private ChaosBenchmark() {}

    public static void main(String[] args) throws Exception {
        ChaosReport report = new ChaosRun(ChaosSettings.fromArgs(args), System.out).run();
        System.out.println();
        report.print(System.out);
        System.out.println("at the end: " + ChaosRun.loadAverage());
        System.exit(report.goalMet() ? 0 : 1);
    }
}
