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

    @Test
    void rejectsRhoOutsideTheUnitInterval() {
        assertThatThrownBy(() -> new PairSelector(1.5)).isInstanceOf(IllegalArgumentException.class);
    }
}
