package io.streamrlhf.trainer.sft;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import io.streamrlhf.trainer.batch.SequenceCollator.Sample;
import io.streamrlhf.trainer.config.ModelConfig;
import io.streamrlhf.trainer.config.OptimizerConfig;
import io.streamrlhf.trainer.model.CompletionLogps;
import io.streamrlhf.trainer.model.PolicyModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SupervisedFineTuningTest {

    private static double tokenNll(PolicyModel model, List<Sample> samples) {
        try (NDManager scope = model.manager().newSubManager()) {
            CompletionLogps logps = model.completionLogps(scope, samples, false);
            return -logps.sums().sum().getFloat() / logps.counts().sum().getFloat();
        }
    }

    @Test
    void fineTuningLowersTheCompletionNllOnASmallCorpus() {
        // given
        List<Sample> corpus = sums(200, new Random(5));
        List<Sample> probe = corpus.subList(0, 32);
        try (PolicyModel model = PolicyModel.create(ModelConfig.tiny())) {
            double before = tokenNll(model, probe);
            // when
            double last = SupervisedFineTuning.train(
                    model, corpus, 40, 16, new OptimizerConfig(3e-3, 0.9, 0.999, 1e-8, 0.0, 1.0, 5), 1L);
            // then
            double after = tokenNll(model, probe);
            assertThat(before).isGreaterThan(4.0);
            assertThat(after).isLessThan(before - 1.0);
            assertThat(last).isFinite();
        }
    }

    /** A corpus of the kind a user would fine-tune on: short prompts with one exact answer each. */
    private static List<Sample> sums(int n, Random random) {
        List<Sample> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int a = random.nextInt(21);
            int b = random.nextInt(21);
            out.add(new Sample("What is " + a + "+" + b + "?", Integer.toString(a + b)));
        }
        return out;
    }
}
