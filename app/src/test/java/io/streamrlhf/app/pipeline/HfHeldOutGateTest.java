package io.streamrlhf.app.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import ai.djl.Device;
import io.streamrlhf.avro.CanaryDecision;
import io.streamrlhf.avro.DecisionOutcome;
import io.streamrlhf.avro.GateEvaluation;
import io.streamrlhf.avro.PolicyVersion;
import io.streamrlhf.streams.avro.CanaryState;
import io.streamrlhf.streams.canary.CanaryController;
import io.streamrlhf.streams.config.CanaryConfig;
import io.streamrlhf.streams.config.JudgeConfig;
import io.streamrlhf.trainer.canary.GateEvaluator;
import io.streamrlhf.trainer.hf.DType;
import io.streamrlhf.trainer.hf.HfModelConfig;
import io.streamrlhf.trainer.hf.HfWeights;
import io.streamrlhf.trainer.hf.SafetensorsWriter;
import io.streamrlhf.trainer.model.llama.ByteLlamaDirectory;
import io.streamrlhf.trainer.model.llama.LlamaModel;
import io.streamrlhf.trainer.model.llama.LlamaPolicy;
import io.streamrlhf.trainer.model.llama.LoraConfig;
import io.streamrlhf.trainer.tokenizer.ByteTokenizer;
import io.streamrlhf.trainer.tokenizer.HfTokenizer;
import io.streamrlhf.trainer.tokenizer.PromptFormat;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pre-canary gate of a Hugging Face model: a tiny Llama directory (byte tokenizer.json with a chat template)
 * written here, trained through LoRA adapters on {@code o_proj}, greedy generations by {@code LlamaGenerator} judged
 * by the streams module's judges and decided by the canary controller.
 *
 * <p>The base weights are set by hand so that the outcome is known without running the model: every token embeds
 * as the first unit vector {@code e0}, only {@code v_proj} (reading {@code e0}) is non-zero in the layer, so the
 * attention output is the same constant vector at every position, and {@code lm_head} maps {@code e0} to the end
 * token and {@code e1} to {@code 'a'}. The base (adapters zero, version 0) ends every answer at once. The degraded
 * version's adapter turns the constant attention output into {@code 10 e1}, so it writes {@code 'a'} until the
 * token limit and fails the end-token judge on every prompt; the normal version's adapter adds {@code 0.01 e1}, too
 * little to change a greedy choice.
 */
class HfHeldOutGateTest {

    private static final int HIDDEN = 16;
    private static final int CONTEXT = 256;
    private static final int RANK = 2;
    private static final LoraConfig LORA = new LoraConfig(RANK, RANK, 0, EnumSet.of(LoraConfig.Target.O_PROJ), false);
    /** Empty completions pass: only the end token and the other default judges decide. */
    private static final JudgeConfig JUDGES =
            new JudgeConfig(0, 2000, JudgeConfig.defaults().bannedPhrases(), Map.of(), false, true);

    @TempDir
    Path dir;

    private LlamaPolicy policy;
    private GateEvaluator gate;
    private Map<String, float[]> base;

    @BeforeEach
    void model() throws IOException {
        writeConstantLlama(dir);
        policy = LlamaPolicy.load(dir, Optional.of(LORA), 3, CONTEXT, Device.cpu());
        base = policy.exportWeights();
        gate = new GateEvaluator(HeldOutGate.builtinPrompts(), 12, HeldOutGate.judges(JUDGES), "builtin");
    }

    @AfterEach
    void close() {
        policy.close();
    }

    @Test
    void rendersTheHeldOutPromptsWithTheModelsChatTemplate() {
        HfTokenizer tokenizer = (HfTokenizer) policy.tokenizer();
        String prompt = HeldOutGate.builtinPrompts().get(0).prompt();

        assertThat(tokenizer.promptFormat()).isEqualTo(PromptFormat.CHAT);
        // The byte chat template: the beginning token, the user's text, the separator as the generation prompt.
        int[] ids = tokenizer.encodePrompt(prompt, CONTEXT);
        assertThat(ids[0]).isEqualTo(ByteTokenizer.BOS);
        assertThat(ids[ids.length - 1]).isEqualTo(ByteTokenizer.SEP);
        assertThat(ids).hasSize(prompt.getBytes(java.nio.charset.StandardCharsets.UTF_8).length + 2);
    }

    @Test
    void degradedAdaptersFailTheEndTokenJudgeOnEveryHeldOutPrompt() {
        int n = HeldOutGate.BUILTIN_PROMPTS;

        Map<String, Integer> basePasses = passesWith(base);
        Map<String, Integer> degradedPasses = passesWith(adapters(10));
        Map<String, Integer> normalPasses = passesWith(adapters(0.01));

        assertThat(basePasses).containsEntry("end-token", n).containsEntry("length-bounds", n);
        assertThat(degradedPasses).containsEntry("end-token", 0).containsEntry("length-bounds", n);
        assertThat(normalPasses).isEqualTo(basePasses);
    }

    /** How the trainer measures a parent: its adapters swapped into the loaded model, the model's own restored. */
    @Test
    void measuresAnotherVersionsAdaptersInPlaceAndRestoresTheModelsOwn() {
        Map<String, float[]> normal = adapters(0.01);
        policy.loadWeights(normal);

        Map<String, Integer> degradedPasses = gate.passesWith(policy, adapters(10));

        assertThat(degradedPasses).containsEntry("end-token", 0);
        Map<String, float[]> after = policy.exportWeights();
        assertThat(after.keySet()).isEqualTo(normal.keySet());
        normal.forEach((name, values) -> assertThat(after.get(name)).as(name).containsExactly(values));
        assertThat(gate.passes(policy)).containsEntry("end-token", HeldOutGate.BUILTIN_PROMPTS);
    }

    /**
     * As the trainer publishes: a version carries gate measurements when the gate supports its model, and the
     * controller stops the degraded version and starts the normal one. Were the Hugging Face model skipped, both
     * versions would carry none and both would start.
     */
    @Test
    void controllerStopsTheDegradedHfVersionAndStartsTheNormalOne() {
        Map<String, Integer> parentPasses = passesWith(base);
        CanaryController controller = new CanaryController(CanaryConfig.defaults());
        CanaryState state = CanaryController.initial("policy");
        controller.onVersion(state, version(0, null), 1);

        List<CanaryDecision> degraded =
                controller.onVersion(state, version(1, measured(adapters(10), parentPasses)), 2);
        List<CanaryDecision> normal =
                controller.onVersion(state, version(2, measured(adapters(0.01), parentPasses)), 3);

        assertThat(degraded)
                .extracting(CanaryDecision::getVersion, CanaryDecision::getOutcome, CanaryDecision::getParentVersion)
                .containsExactly(tuple(1L, DecisionOutcome.GATE_FAILED, 0L));
        assertThat(degraded.get(0).getMetrics())
                .filteredOn(m -> m.getMetric().equals("gate:end-token"))
                .extracting(m -> m.getCanaryHits(), m -> m.getParentHits(), m -> m.getVerdict())
                .containsExactly(tuple(0L, (long) HeldOutGate.BUILTIN_PROMPTS, "HARM"));
        assertThat(normal)
                .extracting(CanaryDecision::getVersion, CanaryDecision::getOutcome)
                .containsExactly(tuple(2L, DecisionOutcome.STARTED));
    }

    /** The gate record the trainer would publish for a version with {@code weights}: none when it is skipped. */
    private GateEvaluation measured(Map<String, float[]> weights, Map<String, Integer> parentPasses) {
        policy.loadWeights(weights);
        if (!GateEvaluator.supports(policy)) {
            return null;
        }
        return gate.evaluation(0, gate.passes(policy), parentPasses);
    }

    private Map<String, Integer> passesWith(Map<String, float[]> weights) {
        policy.loadWeights(weights);
        return gate.passes(policy);
    }

    /**
     * Adapters adding {@code strength · e1} to the attention output: {@code A} sums the constant input to 1, and
     * {@code B} (scaling alpha / r = 1) writes it to the second coordinate.
     */
    private Map<String, float[]> adapters(double strength) {
        Map<String, float[]> w = new HashMap<>();
        base.forEach((name, values) -> w.put(name, new float[values.length]));
        String a = only(w, "o_proj.lora_A.weight");
        String b = only(w, "o_proj.lora_B.weight");
        // The attention output is 4 in each of its 16 coordinates (see writeConstantLlama): A's first row sums to 1.
        for (int i = 0; i < HIDDEN; i++) {
            w.get(a)[i] = 1f / (4 * HIDDEN);
        }
        // B is (hidden, rank): row 1, column 0.
        w.get(b)[RANK] = (float) strength;
        return w;
    }

    private static String only(Map<String, float[]> weights, String suffix) {
        List<String> names =
                weights.keySet().stream().filter(k -> k.endsWith(suffix)).toList();
        assertThat(names).as("adapter weights ending with %s", suffix).hasSize(1);
        return names.get(0);
    }

    private static PolicyVersion version(long v, GateEvaluation gate) {
        return PolicyVersion.newBuilder()
                .setModelId("policy")
                .setVersion(v)
                .setParentVersion(v == 0 ? null : 0L)
                .setCheckpointUri("file:///v" + v)
                .setSha256("00")
                .setCreatedTime(Instant.EPOCH)
                .setGate(gate)
                .build();
    }

    /**
     * A one-layer Llama directory over the byte vocabulary whose greedy choice is the end token whatever the
     * prompt: embeddings all {@code e0} (normalised to {@code 4 e0}), {@code v_proj} reads {@code e0} into every
     * value coordinate (so the attention output is 4 everywhere), every other projection zero, and {@code lm_head}
     * gives the end token {@code e0} and {@code 'a'} {@code e1}.
     */
    private static void writeConstantLlama(Path dir) throws IOException {
        ByteLlamaDirectory.write(dir, 1, HIDDEN, CONTEXT, 1);
        HfModelConfig config = HfModelConfig.load(dir);
        SafetensorsWriter weights = new SafetensorsWriter().metadata("format", "pt");
        for (Map.Entry<String, long[]> e : LlamaModel.expectedShapes(config).entrySet()) {
            String name = e.getKey();
            long[] shape = e.getValue();
            float[] values = new float[Math.toIntExact(shape[0] * (shape.length > 1 ? shape[1] : 1))];
            if (name.endsWith("norm.weight")) {
                java.util.Arrays.fill(values, 1f);
            } else if (name.equals("model.embed_tokens.weight")) {
                for (int t = 0; t < shape[0]; t++) {
                    values[t * HIDDEN] = 1;
                }
            } else if (name.endsWith("self_attn.v_proj.weight")) {
                for (int row = 0; row < shape[0]; row++) {
                    values[row * HIDDEN] = 1;
                }
            } else if (name.equals("lm_head.weight")) {
                values[ByteTokenizer.EOS * HIDDEN] = 1;
                values['a' * HIDDEN + 1] = 1;
            }
            weights.add(name, DType.F32, shape, values);
        }
        weights.write(dir.resolve(HfWeights.SINGLE_FILE));
    }
}
