package io.streamrlhf.trainer.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.streamrlhf.trainer.tokenizer.ByteTokenizer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class LogitsProcessorListTest {

    private final ByteTokenizer tokenizer = new ByteTokenizer();

    @Test
    void samplingSettingsMapToSuppressionThenTemperatureThenNucleus() {
        assertThat(LogitsProcessorList.forSampling(new SamplingConfig(0.7, 0.9, 8), tokenizer)
                        .processors())
                .extracting(p -> p.getClass().getSimpleName())
                .containsExactly("SuppressTokensProcessor", "TemperatureProcessor", "TopPProcessor");
        // temperature 1 and top-p 1 change nothing, so they are left out
        assertThat(LogitsProcessorList.forSampling(SamplingConfig.defaults(), tokenizer)
                        .processors())
                .extracting(p -> p.getClass().getSimpleName())
                .containsExactly("SuppressTokensProcessor");
        // greedy decoding takes the arg-max: neither temperature nor nucleus matters
        assertThat(LogitsProcessorList.forSampling(new SamplingConfig(0, 0.5, 8), tokenizer)
                        .processors())
                .extracting(p -> p.getClass().getSimpleName())
                .containsExactly("SuppressTokensProcessor");
    }

    @Test
    void theChainSuppressesFramingTokensThenSharpensThenCutsTheNucleus() {
        // given BOS with the highest logit, and 'a', 'b', 'c' with probabilities 0.5, 0.3, 0.2 among the rest
        float[] scores = new float[ByteTokenizer.VOCAB_SIZE];
        Arrays.fill(scores, Float.NEGATIVE_INFINITY);
        scores[ByteTokenizer.BOS] = 10f;
        scores['a'] = (float) Math.log(0.5);
        scores['b'] = (float) Math.log(0.3);
        scores['c'] = (float) Math.log(0.2);
        // when temperature 0.5 squares the odds: 0.25 : 0.09 : 0.04, so 'a' holds 0.25 / 0.38 = 0.658 >= 0.6
        LogitsProcessorList.forSampling(new SamplingConfig(0.5, 0.6, 8), tokenizer)
                .process(scores);
        // then only 'a' is left, at twice its logit
        assertThat(scores[ByteTokenizer.BOS]).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(scores['a']).isCloseTo((float) (2 * Math.log(0.5)), within(1e-6f));
        assertThat(scores['b']).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(scores['c']).isEqualTo(Float.NEGATIVE_INFINITY);
    }

    @Test
    void suppressionRulesOutExactlyTheTokenizersFramingTokens() {
        float[] scores = new float[ByteTokenizer.VOCAB_SIZE];
        new SuppressTokensProcessor(tokenizer.suppressedIds()).process(scores);
        for (int id = 0; id < scores.length; id++) {
            boolean framing = id == ByteTokenizer.BOS || id == ByteTokenizer.PAD || id == ByteTokenizer.SEP;
            assertThat(scores[id]).as("id %d", id).isEqualTo(framing ? Float.NEGATIVE_INFINITY : 0f);
        }
    }
}
