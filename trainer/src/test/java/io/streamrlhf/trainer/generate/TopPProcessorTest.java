package io.streamrlhf.trainer.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * On the distribution p = (0.1, 0.4, 0.2, 0.3): sorted, tokens 1, 3, 2, 0 with cumulative mass 0.4, 0.7, 0.9, 1.0.
 */
class TopPProcessorTest {

    private static final float NEG_INF = Float.NEGATIVE_INFINITY;

    private static float[] logits() {
        return new float[] {(float) Math.log(0.1), (float) Math.log(0.4), (float) Math.log(0.2), (float) Math.log(0.3)};
    }

    @Test
    void keepsTheTwoMostLikelyTokensForANucleusOfHalfTheMass() {
        // given: 0.4 falls short of 0.5, 0.4 + 0.3 reaches it
        float[] scores = logits();
        // when
        new TopPProcessor(0.5).process(scores);
        // then tokens 1 and 3 keep their logits, 0 and 2 are ruled out
        float[] original = logits();
        assertThat(scores).containsExactly(NEG_INF, original[1], NEG_INF, original[3]);
    }

    @Test
    void keepsThreeTokensForThreeQuartersOfTheMass() {
        // given: 0.7 falls short of 0.75, 0.9 reaches it
        float[] scores = logits();
        new TopPProcessor(0.75).process(scores);
        float[] original = logits();
        assertThat(scores).containsExactly(NEG_INF, original[1], original[2], original[3]);
    }

    @Test
    void alwaysKeepsTheMostLikelyTokenEvenForATinyNucleus() {
        float[] scores = logits();
        new TopPProcessor(1e-6).process(scores);
        assertThat(scores).containsExactly(NEG_INF, logits()[1], NEG_INF, NEG_INF);
    }

    @Test
    void aNucleusOfOneKeepsEveryToken() {
        float[] scores = logits();
        new TopPProcessor(1.0).process(scores);
        assertThat(scores).containsExactly(logits());
    }

    @Test
    void tokensAlreadyRuledOutCarryNoMass() {
        // given token 1 (p 0.4) suppressed: the rest renormalise to 1/6, 2/6, 3/6 for tokens 0, 2, 3
        float[] scores = logits();
        scores[1] = NEG_INF;
        // when the nucleus is 0.6: token 3 (0.5) falls short, adding token 2 (5/6) reaches it
        new TopPProcessor(0.6).process(scores);
        // then
        float[] original = logits();
        assertThat(scores).containsExactly(NEG_INF, NEG_INF, original[2], original[3]);
    }

    @Test
    void rejectsANucleusOutsideZeroToOne() {
        assertThatThrownBy(() -> new TopPProcessor(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TopPProcessor(1.5)).isInstanceOf(IllegalArgumentException.class);
    }
}
