package io.streamrlhf.trainer.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.streamrlhf.trainer.config.ModelConfig;
import io.streamrlhf.trainer.model.PolicyModel;
import io.streamrlhf.trainer.tokenizer.ByteTokenizer;
import io.streamrlhf.trainer.tokenizer.EncodedPair;
import io.streamrlhf.trainer.tokenizer.Tokenizer;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class GeneratorTest {

    private static PolicyModel model;
    private static Generator generator;

    @BeforeAll
    static void createModel() {
        model = PolicyModel.create(ModelConfig.tiny());
        generator = new Generator(model);
    }

    @AfterAll
    static void closeModel() {
        model.close();
    }

    @Test
    void generatedTokenLogprobsAreThePolicysLogSoftmaxAtEachSampledToken() {
        // given / when
        String prompt = "What is 2+3?";
        Generation g = generator.generate(prompt, new SamplingConfig(1.0, 1.0, 12), new Random(5));
        // then one log-prob per token, plus the end token's if it stopped there
        int[] promptIds = new ByteTokenizer().encodePrompt(prompt);
        int[] completionIds = g.tokens();
        assertThat(g.tokenLogprobs().length).isBetween(completionIds.length, completionIds.length + 1);
        long[] sequence = new long[promptIds.length + completionIds.length];
        for (int i = 0; i < promptIds.length; i++) {
            sequence[i] = promptIds[i];
        }
        for (int i = 0; i < completionIds.length; i++) {
            sequence[promptIds.length + i] = completionIds[i];
        }
        // and each is the full forward pass's log-softmax at that token
        try (NDManager scope = model.manager().newSubManager()) {
            NDArray logSoftmax = model.logits(scope.create(sequence, new Shape(1, sequence.length)), false)
                    .logSoftmax(-1);
            for (int i = 0; i < completionIds.length; i++) {
                float expected = logSoftmax.getFloat(0, promptIds.length - 1 + i, completionIds[i]);
                assertThat(g.tokenLogprobs()[i]).as("token %d", i).isCloseTo(expected, within(1e-4f));
            }
        }
    }

    @Test
    void greedyDecodingStartsWithTheArgMaxOfTheModelsLogitsAmongTokensItMayEmit() {
        // given the model's next-token logits after a prompt, from the plain forward pass
        String prompt = "Hello";
        int[] promptIds = new ByteTokenizer().encodePrompt(prompt);
        long[] sequence = new long[promptIds.length];
        for (int i = 0; i < promptIds.length; i++) {
            sequence[i] = promptIds[i];
        }
        int expected = -1;
        try (NDManager scope = model.manager().newSubManager()) {
            float[] logits = model.logits(scope.create(sequence, new Shape(1, sequence.length)), false)
                    .get(0, promptIds.length - 1)
                    .toFloatArray();
            for (int id = 0; id < logits.length; id++) {
                boolean framing = id == ByteTokenizer.BOS || id == ByteTokenizer.PAD || id == ByteTokenizer.SEP;
                if (!framing && (expected < 0 || logits[id] > logits[expected])) {
                    expected = id;
                }
            }
        }
        // when
        Generation g = generator.generate(prompt, SamplingConfig.greedy(1), new Random(1));
        // then
        int first = g.tokens().length > 0 ? g.tokens()[0] : ByteTokenizer.EOS;
        assertThat(first).isEqualTo(expected);
    }

    @Test
    void greedyGenerationIsDeterministicAndStaysWithinMaxTokens() {
        // given
        SamplingConfig greedy = SamplingConfig.greedy(10);
        // when
        Generation first = generator.generate("What is 1+1?", greedy, new Random(1));
        Generation second = generator.generate("What is 1+1?", greedy, new Random(2));
        List<Generation> batched = generator.generate(List.of("What is 1+1?", "Hello"), greedy, new Random(3));
        // then
        assertThat(first.tokens())
                .containsExactly(second.tokens())
                .containsExactly(batched.get(0).tokens());
        assertThat(first.text())
                .isEqualTo(second.text())
                .isEqualTo(batched.get(0).text());
        assertThat(first.tokens().length).isLessThanOrEqualTo(10);
    }

    @Test
    void aGenerationThatDidNotEndRanToItsTokenLimitAndNeverEmitsFramingTokens() {
        // given / when
        List<Generation> generations =
                generator.generate(List.of("Hello", "Tell me", ""), new SamplingConfig(1.0, 1.0, 3), new Random(11));
        // then
        assertThat(generations).hasSize(3).allSatisfy(g -> {
            assertThat(g.ended() || g.tokens().length == 3)
                    .as("cut off only at the limit")
                    .isTrue();
            assertThat(g.tokens())
                    .doesNotContain(ByteTokenizer.BOS, ByteTokenizer.PAD, ByteTokenizer.SEP, ByteTokenizer.EOS);
        });
    }

    @Test
    void noPromptsGiveNoGenerations() {
        assertThat(generator.generate(List.of(), SamplingConfig.defaults(), new Random(1)))
                .isEmpty();
    }

    /** The byte vocabulary with every byte 'a'-'z' also an end token, as chat models have several. */
    private static final class SeveralEnds implements Tokenizer {
        private final ByteTokenizer bytes = new ByteTokenizer();

        @Override
        public int vocabSize() {
            return bytes.vocabSize();
        }

        @Override
        public int eosId() {
            return ByteTokenizer.EOS;
        }

        @Override
        public int[] eosIds() {
            int[] ids = new int[27];
            ids[0] = ByteTokenizer.EOS;
            for (int c = 'a'; c <= 'z'; c++) {
                ids[1 + c - 'a'] = c;
            }
            return ids;
        }

        @Override
        public int padId() {
            return bytes.padId();
        }

        @Override
        public int[] suppressedIds() {
            return bytes.suppressedIds();
        }

        @Override
        public int[] encodePrompt(String prompt, int maxTokens) {
            return bytes.encodePrompt(prompt, maxTokens);
        }

        @Override
        public EncodedPair encodePair(String prompt, String completion, int maxTokens, boolean ended) {
            return bytes.encodePair(prompt, completion, maxTokens, ended);
        }

        @Override
        public String decode(int[] ids) {
            return bytes.decode(ids);
        }
    }

    @Test
    void stopsAtAnyOfTheTokenizersEndTokens() {
        // given a model whose tokenizer ends a completion at EOS or at any lower-case letter
        try (PolicyModel several = PolicyModel.create(ModelConfig.tiny(), model.device(), new SeveralEnds())) {
            List<Generation> out = new Generator(several)
                    .generate(List.of("a", "b", "c", "d"), new SamplingConfig(1.0, 1.0, 64), new Random(3));
            // then no completion holds one of them, and those that stopped early stopped at one
            for (Generation g : out) {
                for (int token : g.tokens()) {
                    assertThat(token >= 'a' && token <= 'z' || token == ByteTokenizer.EOS)
                            .as("token %d", token)
                            .isFalse();
                }
            }
            assertThat(out).anyMatch(g -> g.tokens().length < 64);
        }
    }
}
