package io.streamrlhf.app.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.streamrlhf.avro.CanaryDecision;
import io.streamrlhf.avro.DecisionOutcome;
import io.streamrlhf.avro.GateEvaluation;
import io.streamrlhf.avro.GateJudgeResult;
import io.streamrlhf.avro.PolicyVersion;
import io.streamrlhf.streams.avro.CanaryState;
import io.streamrlhf.streams.canary.CanaryController;
import io.streamrlhf.streams.config.CanaryConfig;
import io.streamrlhf.streams.config.JudgeConfig;
import io.streamrlhf.trainer.canary.GateEvaluator;
import io.streamrlhf.trainer.config.ModelConfig;
import io.streamrlhf.trainer.model.PolicyModel;
import io.streamrlhf.trainer.tokenizer.ByteTokenizer;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The pre-canary gate end to end without a broker: the trainer's greedy generations on the built-in held-out
 * prompts, judged by the streams module's judges, decided by the canary controller. The parent ends every answer
 * at once; a degraded checkpoint never ends (every completion is cut off, failing the end-token judge); a normal
 * child, the parent with slightly perturbed weights, answers like it.
 */
class HeldOutGateTest {

    private static final ModelConfig SHAPE = new ModelConfig(1, 32, 2, 64, 4, ModelConfig.Positions.LEARNED, true, 11);
    /** Empty completions pass: only the end token and the other default judges decide. */
    private static final JudgeConfig JUDGES =
            new JudgeConfig(0, 2000, JudgeConfig.defaults().bannedPhrases(), Map.of(), false, true);

    private PolicyModel parent;
    private PolicyModel degraded;
    private PolicyModel normal;
    private GateEvaluator gate;

    @BeforeEach
    void models() {
        parent = constantModel(ByteTokenizer.EOS);
        degraded = constantModel('a');
        normal = PolicyModel.create(SHAPE);
        Map<String, float[]> perturbed = parent.exportWeights();
        Random noise = new Random(5);
        perturbed.values().forEach(w -> {
            for (int i = 0; i < w.length; i++) {
                w[i] += (float) (noise.nextGaussian() * 1e-3);
            }
        });
        normal.loadWeights(perturbed);
        gate = new GateEvaluator(HeldOutGate.builtinPrompts(), 12, HeldOutGate.judges(JUDGES), "builtin");
    }

    @AfterEach
    void close() {
        parent.close();
        degraded.close();
        normal.close();
    }

    /**
     * A model whose greedy choice is {@code token} at every position: the final norm's scale is 0 and its shift the
     * first unit vector, and only {@code token}'s (tied) embedding has a first coordinate, so its logit is 10 and
     * every other logit 0.
     */
    private static PolicyModel constantModel(int token) {
        PolicyModel m = PolicyModel.create(SHAPE);
        Map<String, float[]> w = new HashMap<>(m.exportWeights());
        String gamma = key(w, "ln_f", "gamma");
        String beta = key(w, "ln_f", "beta");
        String embedding = key(w, "token_embedding", "");
        w.put(gamma, new float[w.get(gamma).length]);
        float[] shift = new float[w.get(beta).length];
        shift[0] = 1;
        w.put(beta, shift);
        float[] e = w.get(embedding).clone();
        for (int t = 0; t < ByteTokenizer.VOCAB_SIZE; t++) {
            e[t * SHAPE.width()] = t == token ? 10 : 0;
        }
        w.put(embedding, e);
        m.loadWeights(w);
        return m;
    }

    private static String key(Map<String, float[]> weights, String part, String suffix) {
        return weights.keySet().stream()
                .filter(k -> k.contains(part) && k.endsWith(suffix))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + part + "*" + suffix + " among " + weights.keySet()));
    }

    @Test
    void degradedCheckpointFailsTheEndTokenJudgeOnEveryHeldOutPrompt() {
        int n = HeldOutGate.BUILTIN_PROMPTS;

        Map<String, Integer> parentPasses = gate.passes(parent);
        Map<String, Integer> degradedPasses = gate.passes(degraded);
        Map<String, Integer> normalPasses = gate.passes(normal);

        assertThat(parentPasses).containsEntry("end-token", n).containsEntry("length-bounds", n);
        assertThat(degradedPasses).containsEntry("end-token", 0).containsEntry("length-bounds", n);
        assertThat(normalPasses).isEqualTo(parentPasses);
    }

    @Test
    void controllerStopsTheDegradedVersionAndStartsTheNormalOne() {
        Map<String, Integer> parentPasses = gate.passes(parent);
        CanaryController controller = new CanaryController(CanaryConfig.defaults());
        CanaryState state = CanaryController.initial("policy");
        controller.onVersion(state, version(1, null), 1);

        List<CanaryDecision> degradedDecisions =
                controller.onVersion(state, version(2, gate.evaluation(1, gate.passes(degraded), parentPasses)), 2);
        List<CanaryDecision> normalDecisions =
                controller.onVersion(state, version(3, gate.evaluation(1, gate.passes(normal), parentPasses)), 3);

        assertThat(degradedDecisions)
                .extracting(CanaryDecision::getVersion, CanaryDecision::getOutcome, CanaryDecision::getParentVersion)
                .containsExactly(tuple(2L, DecisionOutcome.GATE_FAILED, 1L));
        assertThat(degradedDecisions.get(0).getMetrics())
                .filteredOn(m -> m.getMetric().equals("gate:end-token"))
                .extracting(m -> m.getCanaryHits(), m -> m.getParentHits(), m -> m.getVerdict())
                .containsExactly(tuple(0L, (long) HeldOutGate.BUILTIN_PROMPTS, "HARM"));
        assertThat(normalDecisions)
                .extracting(CanaryDecision::getVersion, CanaryDecision::getOutcome)
                .containsExactly(tuple(3L, DecisionOutcome.STARTED));
    }

    private static PolicyVersion version(long v, GateEvaluation gate) {
        return PolicyVersion.newBuilder()
                .setModelId("policy")
                .setVersion(v)
                .setParentVersion(v == 1 ? null : 1L)
                .setCheckpointUri("file:///v" + v)
                .setSha256("00")
                .setCreatedTime(Instant.EPOCH)
                .setGate(gate)
                .build();
    }

    @Test
    void evaluationRecordsBothCountsPerJudge() {
        GateEvaluation e = gate.evaluation(4, Map.of("end-token", 3, "format", 5), Map.of("end-token", 7));

        assertThat(e.getParentVersion()).isEqualTo(4);
        assertThat(e.getPrompts()).isEqualTo(HeldOutGate.BUILTIN_PROMPTS);
        assertThat(e.getMaxTokens()).isEqualTo(12);
        assertThat(e.getJudges())
                .extracting(GateJudgeResult::getJudge, GateJudgeResult::getPassed, GateJudgeResult::getParentPassed)
                .containsExactly(tuple("end-token", 3, 7), tuple("format", 5, HeldOutGate.BUILTIN_PROMPTS));
    }
}
