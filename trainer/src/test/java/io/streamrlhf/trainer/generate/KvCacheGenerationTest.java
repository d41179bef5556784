package io.streamrlhf.trainer.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.streamrlhf.trainer.config.ModelConfig;
import io.streamrlhf.trainer.model.PolicyModel;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The {@link Generator}'s key-value cache against the {@link UncachedGenerator} reference that reruns the model over
 * every whole sequence: the same tokens and log-probabilities, for prompts of different lengths in one batch, both
 * position kinds and both heads, sampled and greedy, up to the context limit.
 */
class KvCacheGenerationTest {

    private static final List<String> PROMPTS =
            List.of("What is 2+2?", "Hi", "Tell me a story about a cat", "x".repeat(90), "");

    @Test
    void cachedGenerationMatchesTheFullRerunWithLearnedPositionsAndATiedHead() {
        compare(new ModelConfig(2, 32, 2, 64, 2, ModelConfig.Positions.LEARNED, true, 11L));
    }

    @Test
    void cachedGenerationMatchesTheFullRerunWithSinusoidalPositionsAndASeparateHead() {
        compare(new ModelConfig(2, 32, 4, 64, 2, ModelConfig.Positions.SINUSOIDAL, false, 12L));
    }

    private static void compare(ModelConfig config) {
        try (PolicyModel model = PolicyModel.create(config)) {
            Generator generator = new Generator(model);
            UncachedGenerator reference = new UncachedGenerator(model);
            for (SamplingConfig sampling : List.of(
                    SamplingConfig.greedy(40), new SamplingConfig(1.0, 0.9, 40), new SamplingConfig(0.7, 1.0, 200))) {
                List<Generation> cached = generator.generate(PROMPTS, sampling, new Random(5));
                List<Generation> full = reference.generate(PROMPTS, sampling, new Random(5));
                assertThat(cached).hasSameSizeAs(full);
                for (int r = 0; r < PROMPTS.size(); r++) {
                    Generation c = cached.get(r);
                    Generation f = full.get(r);
                    assertThat(c.tokens()).as("row %d, %s", r, sampling).containsExactly(f.tokens());
                    assertThat(c.text()).isEqualTo(f.text());
                    assertThat(c.ended()).isEqualTo(f.ended());
                    assertThat(c.tokenLogprobs()).hasSameSizeAs(f.tokenLogprobs());
                    for (int i = 0; i < f.tokenLogprobs().length; i++) {
                        assertThat(c.tokenLogprobs()[i]).isCloseTo(f.tokenLogprobs()[i], within(1e-4f));
                    }
                }
                // Sampled rows produce tokens at all, so the comparison is not one of empty lists.
                assertThat(full).anySatisfy(g -> assertThat(g.tokens()).isNotEmpty());
                // 200 tokens cannot fit a 64-token context: rows stop at the limit, cut off.
                if (sampling.maxTokens() == 200) {
                    assertThat(cached).anySatisfy(g -> assertThat(g.ended()).isFalse());
                }
            }
        }
    }
}
