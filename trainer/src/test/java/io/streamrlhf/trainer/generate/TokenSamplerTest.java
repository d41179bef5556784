package io.streamrlhf.trainer.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TokenSamplerTest {

    private static final float NEG_INF = Float.NEGATIVE_INFINITY;

    @Test
    void greedyTakesTheHighestProcessedScoreAndRecordsItsUntemperedLogProb() {
        // given logits log(0.2), log(0.5), log(0.3) and a processor that rules out token 1
        float[] logits = {(float) Math.log(0.2), (float) Math.log(0.5), (float) Math.log(0.3)};
        List<Float> logprobs = new ArrayList<>();
        TokenSampler sampler = new TokenSampler(new SuppressTokensProcessor(1), true, new Random(0));
        // when
        int token = sampler.sample(logits, 0, 3, logprobs);
        // then token 2 wins, and its log-prob is under the unprocessed distribution
        assertThat(token).isEqualTo(2);
        assertThat(logprobs).hasSize(1);
        assertThat(logprobs.get(0)).isCloseTo((float) Math.log(0.3), within(1e-6f));
    }

    @Test
    void readsTheRowAtItsOffsetAndLeavesTheLogitsUntouched() {
        // given two rows of three, the second being the one sampled
        float[] logits = {5f, 0f, 0f, 0f, 0f, 1f};
        float[] copy = logits.clone();
        List<Float> logprobs = new ArrayList<>();
        // when
        int token = new TokenSampler(new TemperatureProcessor(0.5), true, new Random(0)).sample(logits, 3, 3, logprobs);
        // then: log softmax(0, 0, 1)[2] = 1 - log(2 + e)
        assertThat(token).isEqualTo(2);
        assertThat(logprobs.get(0)).isCloseTo((float) (1 - Math.log(2 + Math.E)), within(1e-6f));
        assertThat(logits).containsExactly(copy);
    }

    @Test
    void drawsTokensInProportionToTheirProbabilitiesAndNeverARuledOutOne() {
        // given probabilities 0.5, 0.3, 0.2 and a ruled-out fourth token
        float[] scores = {(float) Math.log(0.5), (float) Math.log(0.3), (float) Math.log(0.2), NEG_INF};
        Random random = new Random(42);
        int[] counts = new int[4];
        // when
        int draws = 20_000;
        for (int i = 0; i < draws; i++) {
            counts[TokenSampler.draw(scores, random)]++;
        }
        // then
        assertThat(counts[0] / (double) draws).isCloseTo(0.5, within(0.02));
        assertThat(counts[1] / (double) draws).isCloseTo(0.3, within(0.02));
        assertThat(counts[2] / (double) draws).isCloseTo(0.2, within(0.02));
        assertThat(counts[3]).isZero();
    }

    @Test
    void aTinyNucleusAlwaysPicksTheMostLikelyToken() {
        // given logits with one narrow winner
        float[] logits = new float[260];
        logits['7'] = 5f;
        logits['8'] = 4.9f;
        SamplingConfig nucleus = new SamplingConfig(1.0, 1e-6, 1);
        TokenSampler sampler = TokenSampler.of(nucleus, new TopPProcessor(nucleus.topP()), new Random(0));
        // when / then
        for (int i = 0; i < 50; i++) {
            assertThat(sampler.sample(logits, 0, logits.length, new ArrayList<>()))
                    .isEqualTo('7');
        }
    }
}
