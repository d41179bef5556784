package io.streamrlhf.bench.experiment;

import io.streamrlhf.avro.DpoPair;
import io.streamrlhf.avro.JudgeScore;
import java.io.PrintStream;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Which way the DPO pairs push the answers' length: per pair source and per policy version (the chosen completion's,
 * as the monitor counts pairs), how many pairs have a chosen completion shorter than, longer than or as long as the
 * rejected one, and by how many characters on average. The demo's byte-level tokenizer makes one token of each
 * ASCII character, so for its answers characters are tokens.
 *
 * <p>Judged pairs are split by what was rejected: a rollout that passes every judge too (a group in which all
 * rollouts pass; its pair is decided by length control alone), or one that fails a judge. Weight-0 records
 * (cancellations of erased users' pairs) are not pairs and are not counted.
 */
final class PairLengths {

    /** Where a pair came from, with judged pairs split by their rejected rollout. */
    enum Kind {
        /** A user's A/B choice. */
        AB("A/B"),
        /** Opposite thumbs on two responses. */
        LABELS("labels"),
        /** Judged group, the rejected rollout passes every judge. */
        JUDGED_BOTH_PASS("judged, both pass"),
        /** Judged group, the rejected rollout fails a judge. */
        JUDGED_PASS_FAIL("judged, pass vs fail");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        String label() {
            return label;
        }
    }

    /**
     * Counts of one source.
     *
     * @param pairs pairs counted
     * @param shorter pairs whose chosen completion is shorter than the rejected one
     * @param longer pairs whose chosen completion is longer
     * @param rejectedCutOff pairs whose rejected completion was cut off at the token limit
     * @param onlyChosenCutOff pairs whose chosen completion was cut off and the rejected one ended: scored with the
     *     rejected one's end token, such a pair would teach the policy not to stop
     * @param differenceSum sum over pairs of chosen length minus rejected length, in characters
     */
    record Tally(
            long pairs, long shorter, long longer, long rejectedCutOff, long onlyChosenCutOff, long differenceSum) {

        static final Tally EMPTY = new Tally(0, 0, 0, 0, 0, 0);

        /** Pairs whose two completions are equally long. */
        long equal() {
            return pairs - shorter - longer;
        }

        /** Mean of chosen length minus rejected length, in characters; NaN without pairs. */
        double meanDifference() {
            return pairs == 0 ? Double.NaN : differenceSum / (double) pairs;
        }

        Tally plus(Tally o) {
            return new Tally(
                    pairs + o.pairs,
                    shorter + o.shorter,
                    longer + o.longer,
                    rejectedCutOff + o.rejectedCutOff,
                    onlyChosenCutOff + o.onlyChosenCutOff,
                    differenceSum + o.differenceSum);
        }
    }

    private final SortedMap<Long, Map<Kind, Tally>> byVersion = new TreeMap<>();

    /** The source of {@code pair}; judged pairs by whether every judge passed the rejected completion. */
    static Kind kind(DpoPair pair) {
        return switch (pair.getSource()) {
            case HUMAN -> Kind.AB;
            case DERIVED -> Kind.LABELS;
            case JUDGE ->
                pair.getRejectedScores().stream().allMatch(JudgeScore::getPassed)
                        ? Kind.JUDGED_BOTH_PASS
                        : Kind.JUDGED_PASS_FAIL;
        };
    }

    /** Counts one pair record (a weight-0 cancellation is ignored). */
    void add(DpoPair pair) {
        if (pair.getWeight() <= 0) {
            return;
        }
        int chosen = pair.getChosen().length();
        int rejected = pair.getRejected().length();
        Tally one = new Tally(
                1,
                chosen < rejected ? 1 : 0,
                chosen > rejected ? 1 : 0,
                pair.getRejectedTruncated() ? 1 : 0,
                pair.getChosenTruncated() && !pair.getRejectedTruncated() ? 1 : 0,
                chosen - (long) rejected);
        byVersion
                .computeIfAbsent(pair.getChosenPolicyVersion(), v -> new EnumMap<>(Kind.class))
                .merge(kind(pair), one, Tally::plus);
    }

    /** The tally of {@code kind} over the versions from {@code fromVersion} on. */
    Tally total(Kind kind, long fromVersion) {
        return byVersion.tailMap(fromVersion).values().stream()
                .map(m -> m.getOrDefault(kind, Tally.EMPTY))
                .reduce(Tally.EMPTY, Tally::plus);
    }

    /** The tally of {@code kind} in {@code version}. */
    Tally of(long version, Kind kind) {
        return byVersion.getOrDefault(version, Map.of()).getOrDefault(kind, Tally.EMPTY);
    }

    /** One cell: pairs, shares shorter and longer, mean length difference; "-" without pairs. */
    static String cell(Tally t) {
        if (t.pairs() == 0) {
            return "-";
        }
        return String.format(
                Locale.ROOT,
                "%d %.0f%%<%.0f%%> %+.1f",
                t.pairs(),
                100.0 * t.shorter() / t.pairs(),
                100.0 * t.longer() / t.pairs(),
                t.meanDifference());
    }

    /** The summary line of {@code kind} over the versions from {@code fromVersion} on. */
    String summary(Kind kind, long fromVersion) {
        Tally t = total(kind, fromVersion);
        if (t.pairs() == 0) {
            return kind.label() + ": no pairs";
        }
        return String.format(
                Locale.ROOT,
                "%s: %d pairs, chosen shorter in %d (%.1f%%), longer in %d (%.1f%%), as long in %d (%.1f%%);"
                        + " chosen minus rejected %+.2f characters on average; rejected cut off in %d,"
                        + " chosen cut off with the rejected ended in %d",
                kind.label(),
                t.pairs(),
                t.shorter(),
                100.0 * t.shorter() / t.pairs(),
                t.longer(),
                100.0 * t.longer() / t.pairs(),
                t.equal(),
                100.0 * t.equal() / t.pairs(),
                t.meanDifference(),
                t.rejectedCutOff(),
                t.onlyChosenCutOff());
    }

    /**
     * Prints one line per version (each source's cell: pairs, share with the chosen side shorter {@code <} and longer
     * {@code >}, mean chosen minus rejected length), then each source's totals over the whole run and over the
     * versions from {@code laterFrom} on.
     */
    void print(PrintStream out, long laterFrom) {
        out.println("pair lengths by version and source (pairs, share with the chosen completion shorter < and"
                + " longer >, mean chosen minus rejected length in characters):");
        out.printf(Locale.ROOT, "%-5s", "ver");
        for (Kind k : Kind.values()) {
            out.printf(Locale.ROOT, " %24s", k.label());
        }
        out.println();
        for (long version : byVersion.keySet()) {
            out.printf(Locale.ROOT, "v%-4d", version);
            for (Kind k : Kind.values()) {
                out.printf(Locale.ROOT, " %24s", cell(of(version, k)));
            }
            out.println();
        }
        for (Kind k : Kind.values()) {
            out.println("pair lengths, all versions, " + summary(k, Long.MIN_VALUE));
        }
        for (Kind k : Kind.values()) {
            out.println("pair lengths, from v" + laterFrom + ", " + summary(k, laterFrom));
        }
    }
}
