package io.streamrlhf.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.streamrlhf.trainer.batch.SequenceCollator;
import io.streamrlhf.trainer.batch.SequenceCollator.Sample;
import io.streamrlhf.trainer.batch.TokenBatch;
import io.streamrlhf.trainer.config.ModelConfig;
import io.streamrlhf.trainer.tokenizer.ByteTokenizer;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PolicyModelTest {

    private static PolicyModel model;

    @BeforeAll
    static void createModel() {
        model = PolicyModel.create(ModelConfig.tiny());
    }

    @AfterAll
    static void closeModel() {
        model.close();
    }

    @Test
    void completionLogProbsEqualTheSumOfPerTokenLogSoftmaxOverCompletionTokensOnly() {
        // given a batch of two pairs of different lengths
        List<Sample> samples = List.of(new Sample("What is 3+4?", "7"), new Sample("Hi", "Hello there"));
        TokenBatch batch =
                new SequenceCollator(model.tokenizer(), model.config().context()).collate(samples);
        try (NDManager scope = model.manager().newSubManager()) {
            // when
            CompletionLogps logps = model.completionLogps(scope, batch, false);
            float[] sums = logps.sums().toFloatArray();
            float[] counts = logps.counts().toFloatArray();
            // then the counts are completion bytes + EOS
            assertThat(counts).containsExactly(2f, 12f);
            // and each sum equals the manual sum over full-vocabulary log-softmax at masked positions
            NDArray tokens = scope.create(batch.inputs(), new Shape(batch.rows(), batch.length()));
            float[] logits = model.logits(tokens, false).toFloatArray();
            int vocab = ByteTokenizer.VOCAB_SIZE;
            for (int r = 0; r < batch.rows(); r++) {
                double expected = 0;
                for (int t = 0; t < batch.length(); t++) {
                    int cell = r * batch.length() + t;
                    if (batch.mask()[cell] == 0) {
                        continue;
                    }
                    double max = Double.NEGATIVE_INFINITY;
                    for (int v = 0; v < vocab; v++) {
                        max = Math.max(max, logits[cell * vocab + v]);
                    }
                    double z = 0;
                    for (int v = 0; v < vocab; v++) {
                        z += Math.exp(logits[cell * vocab + v] - max);
                    }
                    expected += logits[cell * vocab + (int) batch.targets()[cell]] - max - Math.log(z);
                }
                assertThat((double) sums[r]).isCloseTo(expected, within(1e-3));
            }
        }
    }

    @Test
    void paddingAndLaterTokensDoNotChangeARowsLogProbs() {
        // given the same pair alone and next to a much longer one (so it gets right-padded)
        Sample shortPair = new Sample("What is 3+4?", "7");
        Sample longPair = new Sample("Tell me something long", "a completion that is quite a bit longer");
        try (NDManager scope = model.manager().newSubManager()) {
            // when
            float alone = model.completionLogps(scope, List.of(shortPair), false)
                    .sums()
                    .getFloat(0);
            float padded = model.completionLogps(scope, List.of(shortPair, longPair), false)
                    .sums()
                    .getFloat(0);
            // then the causal mask hides the padding
            assertThat(padded).isCloseTo(alone, within(1e-4f));
        }
    }

    @Test
    void aCutOffCompletionIsScoredWithoutTheEndTokensLogProb() {
        // given the same completion, once as ended and once as cut off at the token limit
        float ended;
        float cut;
        float endLogProb;
        try (NDManager scope = model.manager().newSubManager()) {
            ended = model.completionLogps(scope, List.of(new Sample("Hi", "abc", true)), false)
                    .sums()
                    .getFloat(0);
            cut = model.completionLogps(scope, List.of(new Sample("Hi", "abc", false)), false)
                    .sums()
                    .getFloat(0);
            int[] ids = new ByteTokenizer().encodePair("Hi", "abc", 64, false).ids();
            long[] sequence = new long[ids.length];
            for (int i = 0; i < ids.length; i++) {
                sequence[i] = ids[i];
            }
            endLogProb = model.logits(scope.create(sequence, new Shape(1, ids.length)), false)
                    .logSoftmax(-1)
                    .getFloat(0, ids.length - 1, ByteTokenizer.EOS);
        }
        // then the difference is exactly log p(EOS | prompt, completion)
        assertThat(ended - cut).isCloseTo(endLogProb, within(1e-4f));
    }

    @Test
    void frozenCopyHasTheSameWeightsAndNoGradient() {
        // given / when
        try (PolicyModel copy = model.frozenCopy()) {
            // then
            assertThat(copy.weightNormSquared()).isCloseTo(model.weightNormSquared(), within(1e-6));
            assertThat(copy.parameters().values())
                    .allSatisfy(p -> assertThat(p.hasGradient()).isFalse());
            assertThat(model.parameters().values())
                    .allSatisfy(p -> assertThat(p.hasGradient()).isTrue());
        }
    }
}
