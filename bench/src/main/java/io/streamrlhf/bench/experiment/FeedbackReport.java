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
        append(s, "lag", metrics.get("staleness/mean"), "%.1f");
        append(s, "stale-dropped", metrics.get("dropped/stale"), "%.0f");
        return s.toString();
    }

    private static void append(StringBuilder s, String label, Double value, String format) {
        if (value != null) {
            s.append(' ').append(label).append(' ').append(String.format(Locale.ROOT, format, value));
        }
    }

    /** Per version: rollouts, judge pass rate, judged groups without a passing rollout, pairs by source. */
    static void printPairs(PrintStream out, List<VersionStats> versions) {
        out.printf(
                Locale.ROOT,
                "%-5s %9s %7s %7s %8s %8s %10s%n",
                "ver",
                "rollouts",
                "passed",
                "no-pass",
                "pairs-ab",
                "pairs-jd",
                "pairs/roll");
        for (VersionStats v : versions) {
            if (v.policyVersion() < 0 || v.responses() == 0) {
                continue;
            }
            long pairs = v.pairsHuman() + v.pairsDerived() + v.pairsJudge();
            out.printf(
                    Locale.ROOT,
                    "v%-4d %9d %6.1f%% %7d %8d %8d %10.2f%n",
                    v.policyVersion(),
                    v.responses(),
                    v.judgePassRate() == null ? Double.NaN : 100 * v.judgePassRate(),
                    v.groupsNoPass(),
                    v.pairsHuman(),
                    v.pairsJudge(),
                    pairs / (double) v.responses());
        }
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
