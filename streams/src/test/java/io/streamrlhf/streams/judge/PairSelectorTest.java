package io.streamrlhf.streams.judge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamrlhf.streams.judge.PairSelector.Outcome;
import io.streamrlhf.streams.judge.PairSelector.Selection;
import java.util.List;
import org.junit.jupiter.api.Test;

class PairSelectorTest {

    private static final ScoredRollout A = new ScoredRollout("a", 10, 1.0, true);
    private static final ScoredRollout B = new ScoredRollout("b", 5, 0.8, true);
    private static final ScoredRollout C = new ScoredRollout("c", 20, 0.2, false);
    private static final ScoredRollout D = new ScoredRollout("d", 8, 0.5, true);
    private static final List<ScoredRollout> GROUP = List.of(A, B, C, D);

    private static String chosen(Selection s) {
        return s.chosen().orElseThrow().responseId();
    }

    private static String rejected(Selection s) {
        return s.rejected().orElseThrow().responseId();
    }

    @Test
    void choosesTheBestPassingRolloutWhenRhoIsZero() {
        Selection s = new PairSelector(0.0).select(GROUP);
        assertThat(s.outcome()).isEqualTo(Outcome.PAIR);
        assertThat(chosen(s)).isEqualTo("a");
        assertThat(rejected(s)).isEqualTo("c");
    }

    @Test
    void choosesTheShortestRolloutWithinRhoOfTheBest() {
        // threshold = 0.75 * 1.0 + 0.25 * 0.2 = 0.8: a and b qualify, b is shorter
        assertThat(chosen(new PairSelector(0.25).select(GROUP))).isEqualTo("b");
        // threshold = 0.8 * 1.0 + 0.2 * 0.2 = 0.84: only a qualifies
        assertThat(chosen(new PairSelector(0.2).select(GROUP))).isEqualTo("a");
    }

    @Test
    void choosesTheShortestPassingRolloutWhenRhoIsOne() {
        assertThat(chosen(new PairSelector(1.0).select(GROUP))).isEqualTo("b");
    }

    @Test
    void neverChoosesARolloutThatFailsAJudgeEvenWithTheTopScore() {
        ScoredRollout failingTop = new ScoredRollout("top", 1, 5.0, false);
        Selection s = new PairSelector(0.0).select(List.of(failingTop, A, D));
        assertThat(chosen(s)).isEqualTo("a");
        assertThat(rejected(s)).isEqualTo("top");
    }

    @Test
    void rejectsAFailingRolloutRatherThanALowerScoringPassingOne() {
        ScoredRollout lowPassing = new ScoredRollout("low", 5, 0.1, true);
        ScoredRollout failing = new ScoredRollout("fail", 5, 0.6, false);
        Selection s = new PairSelector(0.0).select(List.of(A, lowPassing, failing));
        assertThat(rejected(s)).isEqualTo("fail");
    }

    @Test
    void rejectsTheLowestScoringRolloutWhenAllPass() {
        Selection s = new PairSelector(0.0).select(List.of(A, B, D));
        assertThat(chosen(s)).isEqualTo("a");
        assertThat(rejected(s)).isEqualTo("d");
    }

    @Test
    void breaksChosenTiesByHigherScoreThenSmallerResponseId() {
        ScoredRollout x = new ScoredRollout("x", 5, 0.9, true);
        ScoredRollout y = new ScoredRollout("y", 5, 1.0, true);
        ScoredRollout z = new ScoredRollout("z", 5, 1.0, true);
        assertThat(chosen(new PairSelector(1.0).select(List.of(x, z, y)))).isEqualTo("y");
    }

    @Test
    void breaksRejectedTiesByLongerCompletionThenSmallerResponseId() {
        ScoredRollout f1 = new ScoredRollout("f1", 5, 0.0, false);
        ScoredRollout f2 = new ScoredRollout("f2", 9, 0.0, false);
        ScoredRollout f3 = new ScoredRollout("f3", 9, 0.0, false);
        assertThat(rejected(new PairSelector(0.0).select(List.of(A, f3, f1, f2))))
                .isEqualTo("f2");
    }

    @Test
    void yieldsNoPairWhenNoRolloutPasses() {
        Selection s = new PairSelector(0.1).select(List.of(C, new ScoredRollout("e", 3, 0.4, false)));
        assertThat(s.outcome()).isEqualTo(Outcome.NO_PASSING);
        assertThat(s.chosen()).isEmpty();
        assertThat(s.rejected()).isEmpty();
    }

    @Test
    void yieldsNoPairFromASingleRollout() {
        assertThat(new PairSelector(0.1).select(List.of(A)).outcome()).isEqualTo(Outcome.TOO_FEW);
    }

    private static ScoredRollout text(String id, String completion, double score, boolean passed) {
        return new ScoredRollout(id, completion.length(), score, passed, completion, false);
    }

    @Test
    void yieldsNoPairWhenEveryOtherRolloutIsTheChosenCompletion() {
        List<ScoredRollout> copies =
                List.of(text("a", "4", 1.0, true), text("b", "4", 1.0, true), text("c", "4", 1.0, true));

        Selection s = new PairSelector(0.1).select(copies);

        assertThat(s.outcome()).isEqualTo(Outcome.IDENTICAL);
        assertThat(chosen(s)).isEqualTo("a");
        assertThat(s.rejected()).isEmpty();
    }

    @Test
    void pairsATiedGroupOnLengthByDefault() {
        List<ScoredRollout> tied = List.of(
                text("a", "Sure.", 1.0, true), text("b", "Of course.", 1.0, true), text("c", "Gladly!", 1.0, true));

        Selection s = new PairSelector(0.1).select(tied);

        // chosen the shortest ("a", 5 characters), rejected the longest ("b", 10)
        assertThat(s.outcome()).isEqualTo(Outcome.PAIR);
        assertThat(chosen(s)).isEqualTo("a");
        assertThat(rejected(s)).isEqualTo("b");
    }

    @Test
    void yieldsNoPairWhenEveryRolloutPassesWithTheSameScoreAndTiesAreNotPaired() {
        List<ScoredRollout> tied = List.of(
                text("a", "Sure.", 1.0, true), text("b", "Of course.", 1.0, true), text("c", "Gladly!", 1.0, true));

        Selection s = new PairSelector(0.1, false).select(tied);

        // chosen would be the shortest ("a", 5 characters) and rejected the longest ("b"): a pair saying only "shorter"
        assertThat(s.outcome()).isEqualTo(Outcome.TIED);
        assertThat(chosen(s)).isEqualTo("a");
        assertThat(rejected(s)).isEqualTo("b");
    }

    @Test
    void neverRejectsACopyOfTheChosenCompletion() {
        // rho 1: chosen is the shortest passing rollout, "a" (2 characters, the copy "b" loses on its id); the old
        // rule rejected the lowest-scoring other rollout, the copy "b" (0.5); the copy is left out, so "c" (0.9)
        List<ScoredRollout> group =
                List.of(text("a", "ok", 0.5, true), text("b", "ok", 0.5, true), text("c", "okay then", 0.9, true));

        Selection s = new PairSelector(1.0).select(group);

        assertThat(s.outcome()).isEqualTo(Outcome.PAIR);
        assertThat(chosen(s)).isEqualTo("a");
        assertThat(rejected(s)).isEqualTo("c");
    }

    @Test
    void pairsAFailingRolloutWithTheChosenScoreAndTheSameTextCutOff() {
        // a failing rejected never ties, even at the chosen one's score
        ScoredRollout failingSameScore = text("f", "Hello there", 1.0, false);
        assertThat(new PairSelector(0.0)
                        .select(List.of(text("a", "Hi", 1.0, true), failingSameScore))
                        .outcome())
                .isEqualTo(Outcome.PAIR);
        // the same text, once ended and once cut off, differs by the end token: a pair
        ScoredRollout ended = text("e", "4", 1.0, true);
        ScoredRollout cut = new ScoredRollout("t", 1, 0.75, false, "4", true);
        Selection s = new PairSelector(0.0).select(List.of(ended, cut));
        assertThat(s.outcome()).isEqualTo(Outcome.PAIR);
        assertThat(rejected(s)).isEqualTo("t");
    }

    @Test
    void rejectsRhoOutsideTheUnitInterval() {
        assertThatThrownBy(() -> new PairSelector(1.5)).isInstanceOf(IllegalArgumentException.class);
    }
}
