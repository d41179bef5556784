package io.streamrlhf.trainer.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import io.streamrlhf.trainer.batch.PairExample;
import io.streamrlhf.trainer.batch.SequenceCollator.Sample;
import io.streamrlhf.trainer.batch.SourceBatch;
import io.streamrlhf.trainer.batch.UnpairedExample;
import io.streamrlhf.trainer.config.ModelConfig;
import io.streamrlhf.trainer.config.OptimizerConfig;
import io.streamrlhf.trainer.loop.PreferenceTrainer.StepResult;
import io.streamrlhf.trainer.loss.LossConfig;
import io.streamrlhf.trainer.loss.LossType;
import io.streamrlhf.trainer.model.PolicyModel;
import io.streamrlhf.trainer.model.PolicyWeights;
import io.streamrlhf.trainer.model.ReferenceModel;
import io.streamrlhf.trainer.optim.AdamW;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A few steps on a tiny model: finite, parameters move, and in the right direction. */
class PreferenceTrainerSmokeTest {

    private static final OptimizerConfig FAST = new OptimizerConfig(3e-3, 0.9, 0.999, 1e-8, 0.0, 1.0, 0);

    private static float logp(PolicyModel model, String prompt, String completion) {
        try (NDManager scope = model.manager().newSubManager()) {
            return model.completionLogps(scope, List.of(new Sample(prompt, completion)), false)
                    .sums()
                    .getFloat(0);
        }
    }

    private static PreferenceTrainer trainer(PolicyModel policy) {
        return new PreferenceTrainer(
                policy, new ReferenceModel(policy.frozenCopy(), 1000), new AdamW(FAST, policy.parameters()));
    }

    @Test
    void fewDpoStepsOnAFixedPairRaiseTheChosenMinusRejectedMargin() {
        // given
        try (PolicyModel policy = PolicyModel.create(ModelConfig.tiny())) {
            PreferenceTrainer trainer = trainer(policy);
            PairExample pair = new PairExample("p1", "What is 2+2?", "4", "5", 1.0);
            SourceBatch batch =
                    new SourceBatch.Pairs("dpo", LossConfig.defaults(LossType.DPO_SIGMOID), 1.0, List.of(pair));
            double marginBefore = logp(policy, pair.prompt(), "4") - logp(policy, pair.prompt(), "5");
            Map<String, float[]> weightsBefore = PolicyWeights.export(policy);
            // when
            StepResult last = null;
            for (int i = 0; i < 5; i++) {
                last = trainer.step(List.of(batch));
            }
            // then
            double marginAfter = logp(policy, pair.prompt(), "4") - logp(policy, pair.prompt(), "5");
            assertThat(marginAfter).isGreaterThan(marginBefore + 0.1);
            assertThat(last.metrics().get("rewards/margins")).isPositive();
            assertThat(last.metrics().get("loss/dpo")).isFinite().isLessThan(Math.log(2));
            assertParametersChangedAndFinite(weightsBefore, PolicyWeights.export(policy));
            assertThat(trainer.reference().hits()).isEqualTo(8);
            assertThat(trainer.reference().misses()).isEqualTo(2);
            trainer.optimizer().close();
            trainer.reference().close();
        }
    }

    /** log p(end token | prompt, completion) under {@code model}. */
    private static double endLogp(PolicyModel model, String prompt, String completion) {
        try (NDManager scope = model.manager().newSubManager()) {
            float[] sums = model.completionLogps(
                            scope,
                            List.of(new Sample(prompt, completion, true), new Sample(prompt, completion, false)),
                            false)
                    .sums()
                    .toFloatArray();
            return sums[0] - sums[1];
        }
    }

    @Test
    void aPairWhoseChosenAnswerWasCutOffDoesNotTeachThePolicyNotToStop() {
        // given the same pair twice: both answers ended, and the chosen one cut off at the token limit
        double[] endDrop = new double[2];
        for (int run = 0; run < 2; run++) {
            boolean chosenCutOff = run == 1;
            try (PolicyModel policy = PolicyModel.create(ModelConfig.tiny())) {
                PreferenceTrainer trainer = trainer(policy);
                PairExample pair = new PairExample("p1", "Tell me", "a long story", "no", 1.0, chosenCutOff, false);
                SourceBatch batch =
                        new SourceBatch.Pairs("dpo", LossConfig.defaults(LossType.DPO_SIGMOID), 1.0, List.of(pair));
                double before = endLogp(policy, "Tell me", "no");
                // when
                for (int i = 0; i < 5; i++) {
                    trainer.step(List.of(batch));
                }
                // then
                endDrop[run] = before - endLogp(policy, "Tell me", "no");
                trainer.optimizer().close();
                trainer.reference().close();
            }
        }
        // both ended: DPO lowers the rejected answer's end token with the rest of it (the chosen one's end token
        // follows other text, so the two do not cancel)
        assertThat(endDrop[0]).as("end-token drop, both ended").isGreaterThan(0.5);
        // chosen cut off: the rejected answer is scored without its end token, which then moves only through
        // weights it shares with the scored tokens
        assertThat(endDrop[1]).as("end-token drop, chosen cut off").isLessThan(endDrop[0] / 4);
    }

    @Test
    void fewKtoStepsRaiseADesirableCompletionsLogProb() {
        // given a desirable and an undesirable example (two, so KL has a mismatched pair)
        try (PolicyModel policy = PolicyModel.create(ModelConfig.tiny())) {
            PreferenceTrainer trainer = trainer(policy);
            List<UnpairedExample> examples = List.of(
                    new UnpairedExample("k1", "Say thanks", "Thank you!", true, 1.0),
                    new UnpairedExample("k2", "Say thanks", "No.", false, 1.0));
            SourceBatch batch = new SourceBatch.Unpaired("kto", LossConfig.defaults(LossType.KTO), 1.0, examples);
            double before = logp(policy, "Say thanks", "Thank you!");
            Map<String, float[]> weightsBefore = PolicyWeights.export(policy);
            // when
            StepResult last = null;
            for (int i = 0; i < 5; i++) {
                last = trainer.step(List.of(batch));
            }
            // then
            assertThat((double) logp(policy, "Say thanks", "Thank you!")).isGreaterThan(before + 0.1);
            assertThat(last.metrics()).containsKeys("loss/kto", "kl", "rewards/chosen");
            assertThat(last.metrics().get("rewards/chosen")).isPositive();
            assertParametersChangedAndFinite(weightsBefore, PolicyWeights.export(policy));
            trainer.optimizer().close();
            trainer.reference().close();
        }
    }

    @Test
    void theKlPenaltyStartsAtZeroAndHoldsBackThePushDownOfUndesirableCompletions() {
        // given two identical policies trained on the same undesirable-only KTO batches, one anchored
        List<UnpairedExample> examples = List.of(
                new UnpairedExample("k1", "What is 2+2?", "5", false, 1.0),
                new UnpairedExample("k2", "What is 3+3?", "7", false, 1.0));
        double[] drop = new double[2];
        for (int run = 0; run < 2; run++) {
            double klCoef = run == 0 ? 0.0 : 1.0;
            try (PolicyModel policy = PolicyModel.create(ModelConfig.tiny())) {
                PreferenceTrainer trainer = trainer(policy);
                SourceBatch batch =
                        new SourceBatch.Unpaired("kto", LossConfig.defaults(LossType.KTO), 1.0, examples, klCoef);
                double before = logp(policy, "What is 2+2?", "5");
                // when
                StepResult first = trainer.step(List.of(batch));
                StepResult last = first;
                for (int i = 0; i < 7; i++) {
                    last = trainer.step(List.of(batch));
                }
                // then
                drop[run] = before - logp(policy, "What is 2+2?", "5");
                if (klCoef > 0) {
                    // the policy equals the reference at the first step: k3 is exactly 0 there
                    assertThat(first.metrics().get("kl_penalty")).isCloseTo(0.0, within(1e-6));
                    assertThat(last.metrics().get("kl_penalty")).isPositive();
                } else {
                    assertThat(last.metrics()).doesNotContainKey("kl_penalty");
                }
                trainer.optimizer().close();
                trainer.reference().close();
            }
        }
        assertThat(drop[0]).as("unanchored drop").isPositive();
        assertThat(drop[1]).as("anchored drop").isLessThan(drop[0]);
    }

    @Test
    void gradientsFromTwoSourcesAccumulateIntoOneUpdate() {
        // given a DPO and a KTO micro-batch
        try (PolicyModel policy = PolicyModel.create(ModelConfig.tiny())) {
            PreferenceTrainer trainer = trainer(policy);
            SourceBatch dpo = new SourceBatch.Pairs(
                    "dpo",
                    LossConfig.defaults(LossType.DPO_SIGMOID),
                    1.0,
                    List.of(new PairExample("p1", "What is 1+1?", "2", "3", 1.0)));
            SourceBatch kto = new SourceBatch.Unpaired(
                    "kto",
                    LossConfig.defaults(LossType.KTO),
                    0.5,
                    List.of(
                            new UnpairedExample("k1", "Hi", "Hello!", true, 1.0),
                            new UnpairedExample("k2", "Hi", "Go away", false, 1.0)));
            // when
            StepResult result = trainer.step(List.of(dpo, kto));
            // then
            assertThat(result.step()).isEqualTo(1);
            assertThat(result.examples()).isEqualTo(3);
            assertThat(result.metrics())
                    .containsKeys("loss/dpo", "loss/kto", "dpo/rewards/margins", "kto/kl", "tokens_per_s", "grad_norm");
            assertThat(result.metrics().get("grad_norm")).isPositive().isFinite();
            trainer.optimizer().close();
            trainer.reference().close();
        }
    }

    private static void assertParametersChangedAndFinite(Map<String, float[]> before, Map<String, float[]> after) {
        boolean changed = false;
        for (Map.Entry<String, float[]> e : after.entrySet()) {
            float[] old = before.get(e.getKey());
            for (int i = 0; i < old.length; i++) {
                assertThat(e.getValue()[i]).as(e.getKey()).isFinite();
                changed |= old[i] != e.getValue()[i];
            }
        }
        assertThat(changed).as("some parameter changed").isTrue();
    }
}
