package io.streamrlhf.bench.experiment;

import io.streamrlhf.producers.users.SimulatedUsers;
import io.streamrlhf.schemas.monitor.VersionStats;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the learning experiment prints besides the held-out score, so a flat curve says why it is flat: the
 * trainer's last step per version (loss, reward accuracy and margin, staleness) and, per policy version, how many
 * of its rollouts turned into DPO pairs (the streams' monitor: judged groups with no passing rollout, pairs by
 * source) and how many of the users' A/B comparisons tied (no choice, so no pair).
 */
final class FeedbackReport {

    private FeedbackReport() {}

    /**
     * The trainer's figures of {@code source} ({@code dpo} or {@code kto}) from its last step's metrics, for the end
     * of a version's line; empty before the first step.
     */
    static String trainerColumns(Map<String, Double> metrics, String source) {
        Double loss = metrics.get("loss/" + source);
        if (loss == null) {
            return "";
        }
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "  | loss %.3f", loss));
        append(s, "acc", metrics.get(source + "/rewards/accuracies"), "%.2f");
        append(s, "margin", metrics.get(source + "/rewards/margins"), "%.3f");
        // Which side makes a large margin: the implicit rewards (beta times the policy's log-ratio to the
        // reference) and the policy's summed log-probabilities of the chosen and rejected completions.
        pair(s, "rewards", metrics.get(source + "/rewards/chosen"), metrics.get(source + "/rewards/rejected"), "%.2f");
        pair(s, "logps", metrics.get(source + "/logps/chosen"), metrics.get(source + "/logps/rejected"), "%.1f");
        append(s, "lag", metrics.get("staleness/mean"), "%.1f");
        append(s, "stale-dropped", metrics.get("dropped/stale"), "%.0f");
        return s.toString();
    }

    private static void pair(StringBuilder s, String label, Double chosen, Double rejected, String format) {
        if (chosen != null && rejected != null) {
            s.append(' ')
                    .append(label)
                    .append(" c/r ")
                    .append(String.format(Locale.ROOT, format, chosen))
                    .append('/')
                    .append(String.format(Locale.ROOT, format, rejected));
        }
    }

    private static void append(StringBuilder s, String label, Double value, String format) {
        if (value != null) {
            s.append(' ').append(label).append(' ').append(String.format(Locale.ROOT, format, value));
        }
    }

    /**
     * Per version: rollouts, judge pass rate, judged groups without a passing rollout, pairs by source, pairs per
     * rollout, and the pairs not made because they would carry no information: judged groups whose rejected rollout
     * tied with the chosen one, and pairs of two identical completions (any source).
     */
    static void printPairs(PrintStream out, List<VersionStats> versions) {
        out.printf(
                Locale.ROOT,
                "%-5s %9s %7s %7s %8s %8s %10s %6s %6s%n",
                "ver",
                "rollouts",
                "passed",
                "no-pass",
                "pairs-ab",
                "pairs-jd",
                "pairs/roll",
                "tied",
                "ident");
        for (VersionStats v : versions) {
            if (v.policyVersion() < 0 || v.responses() == 0) {
                continue;
            }
            long pairs = v.pairsHuman() + v.pairsDerived() + v.pairsJudge();
            out.printf(
                    Locale.ROOT,
                    "v%-4d %9d %6.1f%% %7d %8d %8d %10.2f %6s %6s%n",
                    v.policyVersion(),
                    v.responses(),
                    v.judgePassRate() == null ? Double.NaN : 100 * v.judgePassRate(),
                    v.groupsNoPass(),
                    v.pairsHuman(),
                    v.pairsJudge(),
                    pairs / (double) v.responses(),
                    v.groupsTied() == null ? "-" : v.groupsTied().toString(),
                    v.pairsIdentical() == null ? "-" : v.pairsIdentical().toString());
        }
    }

    /**
     * The example records the trainer consumed in the published versions, the offsets their lineages span, and the
     * examples and pairs the streams monitor counted as emitted. The records and the monitor's count differ only by
     * what was emitted after the last published version (and KTO examples or pairs of the other mode); the offsets
     * also hold the commit markers of the exactly-once writers, one per transaction and partition.
     */
    static void printCounts(PrintStream out, List<VersionStats> versions, long records, long offsets) {
        long human = versions.stream().mapToLong(VersionStats::pairsHuman).sum();
        long judge = versions.stream().mapToLong(VersionStats::pairsJudge).sum();
        long derived = versions.stream().mapToLong(VersionStats::pairsDerived).sum();
        long kto = versions.stream()
                .mapToLong(v -> v.examples() + v.examplesCapped())
                .sum();
        out.printf(
                Locale.ROOT,
                "trainer consumed %d example records in its published versions (their lineages span %d offsets, %.2f"
                        + " per record: transaction markers take offsets too); the monitor counted %d pairs emitted"
                        + " (A/B %d, judges %d, derived %d) and %d KTO examples%n",
                records,
                offsets,
                records == 0 ? Double.NaN : offsets / (double) records,
                human + judge + derived,
                human,
                judge,
                derived,
                kto);
    }

    /** Per task: A/B comparison candidates, the share where the taste scored both the same, and identical texts. */
    static void printComparisons(PrintStream out, Map<String, SimulatedUsers.Comparisons> byTask) {
        byTask.forEach((task, c) -> out.printf(
                Locale.ROOT,
                "A/B %s: %d comparisons, %.1f%% tied (no choice), %.1f%% of identical completions%n",
                task,
                c.candidates(),
                c.candidates() == 0 ? 0.0 : 100.0 * c.ties() / c.candidates(),
                c.candidates() == 0 ? 0.0 : 100.0 * c.identical() / c.candidates()));
    }
}
