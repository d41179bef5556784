package io.streamrlhf.bench.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrlhf.producers.users.SimulatedUsers;
import io.streamrlhf.schemas.monitor.VersionStats;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class FeedbackReportTest {

    @Test
    void trainerColumnsShowTheSourcesLossAccuracyMarginAndStaleness() {
        Map<String, Double> metrics = Map.of(
                "loss/dpo", 0.6931,
                "dpo/rewards/accuracies", 0.75,
                "dpo/rewards/margins", 0.0123,
                "staleness/mean", 1.25,
                "dropped/stale", 3.0,
                "loss/kto", 9.0);
        Map<String, Double> withSides = new java.util.HashMap<>(metrics);
        withSides.putAll(Map.of(
                "dpo/rewards/chosen", -0.5,
                "dpo/rewards/rejected", 6.25,
                "dpo/logps/chosen", -20.04,
                "dpo/logps/rejected", -33.36));

        assertThat(FeedbackReport.trainerColumns(metrics, "dpo"))
                .isEqualTo("  | loss 0.693 acc 0.75 margin 0.012 lag 1.3 stale-dropped 3");
        assertThat(FeedbackReport.trainerColumns(withSides, "dpo"))
                .isEqualTo("  | loss 0.693 acc 0.75 margin 0.012 rewards c/r -0.50/6.25 logps c/r -20.0/-33.4 lag 1.3"
                        + " stale-dropped 3");
        assertThat(FeedbackReport.trainerColumns(Map.of(), "dpo")).isEmpty();
    }

    @Test
    void pairsPerRolloutCountEverySourceAndSkipVersionsWithoutRollouts() {
        List<VersionStats> rows = List.of(stats(-1, 5, 0, 0, 0, 0), stats(3, 40, 10, 2, 6, 4), stats(4, 0, 0, 0, 0, 0));

        String printed = print(out -> FeedbackReport.printPairs(out, rows));

        assertThat(printed.lines()).hasSize(2);
        assertThat(printed.lines().skip(1).findFirst().orElseThrow())
                .isEqualTo("v3           40   50.0%       4       10        6       0.45      7     11");
    }

    @Test
    void countsSetTheTrainersRecordsAgainstTheOffsetsAndTheMonitorsPairs() {
        List<VersionStats> rows = List.of(stats(3, 40, 10, 2, 6, 4), stats(4, 30, 5, 0, 7, 0));

        String printed = print(out -> FeedbackReport.printCounts(out, rows, 30, 48));

        // 10+5 A/B, 6+7 judged, 2 derived = 30 pairs; 48 offsets over 30 records = 1.60
        assertThat(printed.strip())
                .isEqualTo("trainer consumed 30 example records in its published versions (their lineages span 48"
                        + " offsets, 1.60 per record: transaction markers take offsets too); the monitor counted 30"
                        + " pairs emitted (A/B 15, judges 13, derived 2) and 0 KTO examples");
    }

    @Test
    void comparisonsPrintTheTiedAndIdenticalShares() {
        Map<String, SimulatedUsers.Comparisons> byTask = new TreeMap<>();
        byTask.put("arithmetic", new SimulatedUsers.Comparisons(200, 150, 20));
        byTask.put("chat", new SimulatedUsers.Comparisons(0, 0, 0));

        assertThat(print(out -> FeedbackReport.printComparisons(out, byTask)).lines())
                .containsExactly(
                        "A/B arithmetic: 200 comparisons, 75.0% tied (no choice), 10.0% of identical completions",
                        "A/B chat: 0 comparisons, 0.0% tied (no choice), 0.0% of identical completions");
    }

    private static VersionStats stats(
            long version, long responses, long pairsHuman, long pairsDerived, long pairsJudge, long groupsNoPass) {
        return new VersionStats(
                version,
                0,
                60_000,
                responses,
                0,
                0,
                0,
                0,
                null,
                null,
                null,
                responses / 2,
                responses == 0 ? null : 0.5,
                null,
                0,
                0,
                pairsHuman,
                pairsDerived,
                pairsJudge,
                groupsNoPass,
                0,
                version == 3 ? 7L : null,
                version == 3 ? 11L : null);
    }

    private static String print(java.util.function.Consumer<PrintStream> body) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            body.accept(out);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
