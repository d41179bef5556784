package io.streamrlhf.bench.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrlhf.avro.DpoPair;
import io.streamrlhf.avro.JudgeScore;
import io.streamrlhf.avro.PairSource;
import io.streamrlhf.bench.experiment.PairLengths.Kind;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class PairLengthsTest {

    private static final JudgeScore PASS = new JudgeScore("format", true, 1.0, null);
    private static final JudgeScore FAIL = new JudgeScore("end-token", false, 0.0, "cut off");

    private static DpoPair pair(
            PairSource source, long version, String chosen, String rejected, List<JudgeScore> rejectedScores) {
        return DpoPair.newBuilder()
                .setPairId(source + chosen + rejected)
                .setPromptId("p")
                .setPrompt("q")
                .setChosen(chosen)
                .setRejected(rejected)
                .setChosenResponseId("c")
                .setRejectedResponseId("r")
                .setSource(source)
                .setChosenPolicyVersion(version)
                .setRejectedPolicyVersion(version)
                .setChosenScores(source == PairSource.JUDGE ? List.of(PASS) : List.of())
                .setRejectedScores(rejectedScores)
                .setEventTime(Instant.EPOCH)
                .build();
    }

    @Test
    void judgedPairsAreSplitByWhetherTheRejectedRolloutPassedEveryJudge() {
        assertThat(PairLengths.kind(pair(PairSource.HUMAN, 0, "a", "b", List.of())))
                .isEqualTo(Kind.AB);
        assertThat(PairLengths.kind(pair(PairSource.DERIVED, 0, "a", "b", List.of())))
                .isEqualTo(Kind.LABELS);
        assertThat(PairLengths.kind(pair(PairSource.JUDGE, 0, "a", "b", List.of(PASS, PASS))))
                .isEqualTo(Kind.JUDGED_BOTH_PASS);
        assertThat(PairLengths.kind(pair(PairSource.JUDGE, 0, "a", "b", List.of(PASS, FAIL))))
                .isEqualTo(Kind.JUDGED_PASS_FAIL);
    }

    @Test
    void countsShorterLongerAndEqualChosenSidesPerVersionAndSource() {
        PairLengths lengths = new PairLengths();
        // v3, A/B: chosen 3 vs 7 characters (shorter by 4), 6 vs 2 (longer by 4), 2 vs 2 (as long).
        lengths.add(pair(PairSource.HUMAN, 3, "abc", "abcdefg", List.of()));
        lengths.add(pair(PairSource.HUMAN, 3, "abcdef", "ab", List.of()));
        lengths.add(pair(PairSource.HUMAN, 3, "xy", "zw", List.of()));
        // v4: judged, both pass, chosen 5 vs 8 (shorter by 3); pass against a cut-off failure, 6 vs 20 (by 14).
        lengths.add(pair(PairSource.JUDGE, 4, "Hello", "Hello 12", List.of(PASS)));
        DpoPair cutOff = pair(PairSource.JUDGE, 4, "Hello.", "aaaaaaaaaaaaaaaaaaaa", List.of(PASS, FAIL));
        cutOff.setRejectedTruncated(true);
        lengths.add(cutOff);
        // v4, A/B: the user chose an answer cut off at the token limit over one that ended; and both cut off.
        DpoPair chosenCutOff = pair(PairSource.HUMAN, 4, "once upon a", "no", List.of());
        chosenCutOff.setChosenTruncated(true);
        lengths.add(chosenCutOff);
        DpoPair bothCutOff = pair(PairSource.HUMAN, 4, "aaaa", "bbbb", List.of());
        bothCutOff.setChosenTruncated(true);
        bothCutOff.setRejectedTruncated(true);
        lengths.add(bothCutOff);
        // A cancellation is no pair.
        DpoPair cancelled = pair(PairSource.HUMAN, 4, "", "abcdefghij", List.of());
        cancelled.setWeight(0.0);
        lengths.add(cancelled);

        PairLengths.Tally ab = lengths.total(Kind.AB, Long.MIN_VALUE);
        assertThat(ab).isEqualTo(new PairLengths.Tally(5, 1, 2, 1, 1, 9));
        assertThat(ab.equal()).isEqualTo(2);
        assertThat(lengths.total(Kind.AB, 4)).isEqualTo(new PairLengths.Tally(2, 0, 1, 1, 1, 9));
        assertThat(lengths.of(4, Kind.JUDGED_BOTH_PASS)).isEqualTo(new PairLengths.Tally(1, 1, 0, 0, 0, -3));
        assertThat(lengths.of(4, Kind.JUDGED_PASS_FAIL)).isEqualTo(new PairLengths.Tally(1, 1, 0, 1, 0, -14));
        assertThat(lengths.total(Kind.LABELS, Long.MIN_VALUE).meanDifference()).isNaN();

        assertThat(PairLengths.cell(lengths.of(3, Kind.AB))).isEqualTo("3 33%<33%> +0.0");
        assertThat(lengths.summary(Kind.JUDGED_PASS_FAIL, 4))
                .isEqualTo("judged, pass vs fail: 1 pairs, chosen shorter in 1 (100.0%), longer in 0 (0.0%), as long in"
                        + " 0 (0.0%); chosen minus rejected -14.00 characters on average; rejected cut off in 1,"
                        + " chosen cut off with the rejected ended in 0");
        assertThat(lengths.summary(Kind.AB, 4))
                .isEqualTo("A/B: 2 pairs, chosen shorter in 0 (0.0%), longer in 1 (50.0%), as long in 1 (50.0%);"
                        + " chosen minus rejected +4.50 characters on average; rejected cut off in 1,"
                        + " chosen cut off with the rejected ended in 1");
        assertThat(lengths.summary(Kind.LABELS, 0)).isEqualTo("labels: no pairs");
    }

    @Test
    void printsOneLinePerVersionThenTheTotals() {
        PairLengths lengths = new PairLengths();
        lengths.add(pair(PairSource.HUMAN, 1, "abc", "abcdefg", List.of()));
        lengths.add(pair(PairSource.HUMAN, 2, "abcdefg", "abc", List.of()));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        lengths.print(new PrintStream(bytes, true, StandardCharsets.UTF_8), 2);

        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).hasSize(2 + 2 + 4 + 4);
        assertThat(lines.get(2)).startsWith("v1   ").contains("1 100%<0%> -4.0");
        assertThat(lines.get(3)).startsWith("v2   ").contains("1 0%<100%> +4.0");
        assertThat(lines.get(4)).startsWith("pair lengths, all versions, A/B: 2 pairs, chosen shorter in 1 (50.0%)");
        assertThat(lines.get(8)).startsWith("pair lengths, from v2, A/B: 1 pairs, chosen shorter in 0 (0.0%)");
    }
}
