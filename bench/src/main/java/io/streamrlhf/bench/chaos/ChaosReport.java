package io.streamrlhf.bench.chaos;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a chaos run found.
 *
 * @param offered events the driver offered
 * @param accepted events the gateway answered 202 for
 * @param refused events refused for good
 * @param requests HTTP requests sent, retries included
 * @param statuses answers per HTTP status
 * @param unreachable requests that found no gateway listening
 * @param check the read_committed reading at the end
 * @param samplerVersion the version the sampler served at the end, -1 if it served none
 * @param disruptions every kill and restart, in order
 * @param unplannedExits component processes that exited on their own (and were started again), per process
 * @param goal the longest recovery the goal allows, in seconds
 */
public record ChaosReport(
        int offered,
        int accepted,
        int refused,
        long requests,
        Map<Integer, Long> statuses,
        long unreachable,
        ChaosCheck.Result check,
        long samplerVersion,
        List<Disruption> disruptions,
        Map<String, Integer> unplannedExits,
        double goal) {

    /**
     * One SIGKILL (with a restart at once) of a process.
     *
     * @param target the process
     * @param atSeconds when, since the driver started
     * @param readySeconds from the kill until the process (for the broker and the registry: every process) was ready
     *     again, NaN if it never was
     * @param progressSeconds from the kill until the first KTO example (for the trainer: version) committed after
     *     that, NaN if none came
     */
    public record Disruption(String target, double atSeconds, double readySeconds, double progressSeconds) {
        boolean survived() {
            return !Double.isNaN(readySeconds);
        }
    }

    public long lost() {
        return check.examples().lost();
    }

    public long doubled() {
        return check.examples().duplicates();
    }

    public boolean samplerServesLatest() {
        return samplerVersion >= 0 && samplerVersion == check.versions().latest();
    }

    public long survived() {
        return disruptions.stream().filter(Disruption::survived).count();
    }

    /** The worst recovery to readiness, per target. */
    public Map<String, Double> worstReady() {
        Map<String, Double> out = new LinkedHashMap<>();
        disruptions.forEach(d -> out.merge(d.target(), d.readySeconds(), ChaosReport::worse));
        return out;
    }

    private static double worse(double a, double b) {
        return Double.isNaN(a) || Double.isNaN(b) ? Double.NaN : Math.max(a, b);
    }

    /** 0 lost, 0 doubled, the lineage and versions whole, the sampler on the latest, every recovery within the goal. */
    public boolean goalMet() {
        ChaosCheck.Lineage l = check.lineage();
        ChaosCheck.Versions v = check.versions();
        return lost() == 0
                && doubled() == 0
                && refused == 0
                && check.examples().wrongLabel() == 0
                && l.inNoVersion() == 0
                && l.inSeveralVersions() == 0
                && check.examples().notAbsorbed() == 0
                && v.missing() == 0
                && v.doubled() == 0
                && v.gone() == 0
                && samplerServesLatest()
                && survived() == disruptions.size()
                && worstReady().values().stream().allMatch(s -> s < goal);
    }

    /** Prints the summary. */
    public void print(PrintStream out) {
        ChaosCheck.Examples e = check.examples();
        ChaosCheck.Lineage l = check.lineage();
        ChaosCheck.Versions v = check.versions();
        out.printf(
                Locale.ROOT,
                "events offered       %d (accepted %d, refused %d; %d requests, by status %s, %d found no gateway)%n",
                offered,
                accepted,
                refused,
                requests,
                statuses,
                unreachable);
        out.printf(Locale.ROOT, "examples expected    %d%n", e.expected());
        out.printf(Locale.ROOT, "examples found       %d%n", e.found());
        out.printf(Locale.ROOT, "lost                 %d%n", e.lost());
        out.printf(
                Locale.ROOT,
                "doubled              %d (wrong label %d, unexpected %d)%n",
                e.duplicates(),
                e.wrongLabel(),
                e.unexpected());
        out.printf(
                Locale.ROOT,
                "versions committed   %d, latest v%d (numbers missing %d, doubled %d, broken parents %d, "
                        + "seen during the run and gone %d)%n",
                v.committed(),
                v.latest(),
                v.missing(),
                v.doubled(),
                v.brokenParents(),
                v.gone());
        out.printf(
                Locale.ROOT,
                "lineage              %d example/pair offsets: in no version %d, in several %d, newer than the "
                        + "last version %d; driver's examples not yet in a version %d%n",
                l.offsets(),
                l.inNoVersion(),
                l.inSeveralVersions(),
                l.beyondLastVersion(),
                e.notAbsorbed());
        out.printf(
                Locale.ROOT,
                "sampler              serves v%d, latest committed v%d: %s%n",
                samplerVersion,
                v.latest(),
                samplerServesLatest() ? "latest" : "NOT the latest");
        out.printf(
                Locale.ROOT,
                "kills survived       %d of %d (component processes that exited on their own: %s)%n",
                survived(),
                disruptions.size(),
                unplannedExits.isEmpty() ? "none" : unplannedExits);
        out.printf(
                Locale.ROOT,
                "recovery             %-9s %5s %18s %28s%n",
                "process",
                "kills",
                "worst to ready",
                "worst to next example/version");
        Map<String, List<Disruption>> byTarget = new LinkedHashMap<>();
        disruptions.forEach(d -> byTarget.computeIfAbsent(d.target(), k -> new java.util.ArrayList<>())
                .add(d));
        byTarget.forEach((target, ds) -> out.printf(
                Locale.ROOT,
                "                     %-9s %5d %16s %28s%n",
                target,
                ds.size(),
                seconds(ds.stream()
                        .mapToDouble(Disruption::readySeconds)
                        .reduce(ChaosReport::worse)
                        .orElse(Double.NaN)),
                seconds(ds.stream()
                        .mapToDouble(Disruption::progressSeconds)
                        .reduce(ChaosReport::worse)
                        .orElse(Double.NaN))));
        out.printf(
                Locale.ROOT,
                "goal                 0 lost, 0 doubled, every recovery under %.0f s: %s%n",
                goal,
                goalMet() ? "MET" : "MISSED");
    }

    static String seconds(double s) {
        return Double.isNaN(s) ? "-" : String.format(Locale.ROOT, "%.1f s", s);
    }
}
