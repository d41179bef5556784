package io.streamrlhf.trainer.model.llama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.streamrlhf.trainer.batch.PairExample;
import io.streamrlhf.trainer.batch.SourceBatch;
import io.streamrlhf.trainer.batch.UnpairedExample;
import io.streamrlhf.trainer.config.OptimizerConfig;
import io.streamrlhf.trainer.loop.PreferenceTrainer;
import io.streamrlhf.trainer.loss.LossConfig;
import io.streamrlhf.trainer.loss.LossType;
import io.streamrlhf.trainer.model.GradMode;
import io.streamrlhf.trainer.model.ReferenceModel;
import io.streamrlhf.trainer.optim.AdamW;
import io.streamrlhf.trainer.tokenizer.EncodedPair;
import io.streamrlhf.trainer.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A Hugging Face Llama directory trained by the loop's own {@link PreferenceTrainer} through {@link LlamaPolicy}:
 * under LoRA the first DPO loss is log 2 (fresh adapters leave the policy equal to its reference, the base with the
 * adapters off), the loss falls, only adapter tensors change (every base weight stays bit-identical) and the DPO
 * margin measured here by full forward passes of each row alone grows, for every loss the trainer supports; under
 * full fine-tuning the base weights are trained and the reference stays the untouched base.
 */
@Tag("hf-models")
class LlamaPolicyTrainingTest {

    private static final OptimizerConfig OPTIMIZER = new OptimizerConfig(2e-2, 0.9, 0.999, 1e-8, 0.0, 1.0, 0);
    private static final LoraConfig LORA = new LoraConfig(4, 8, 0.0, LoraConfig.allTargets(), false);
    private static final int MAX_TOKENS = 64;
    private static final List<PairExample> PAIRS = List.of(
            new PairExample("a", "Say hi", "Hello!", "Go away.", 1.0),
            new PairExample("b", "2+2?", "4", "five, I think", 1.0));

    @TempDir
    static Path tmp;

    @Test
    void dpoThroughThePreferenceTrainerLowersTheLossAndChangesOnlyTheAdapters() throws Exception {
        Path dir = LlamaGeneratorTest.writeByteLlama(tmp.resolve("dpo"), 43);
        try (LlamaPolicy policy = LlamaPolicy.load(dir, Optional.of(LORA), 47, MAX_TOKENS, Device.cpu());
                ReferenceModel reference = new ReferenceModel(policy.frozenReference(), 1000);
                AdamW adam = new AdamW(OPTIMIZER, policy.trainableParameters())) {
            assertThat(policy.trainableParameters().keySet())
                    .isNotEmpty()
                    .allMatch(k -> k.startsWith("base_model.model.model.layers.") && k.contains(".lora_"));
            Map<String, float[]> baseBefore = snapshot(policy.model().parameters());
            Map<String, float[]> adaptersBefore = snapshot(policy.trainableParameters());
            assertThat(margin(policy)).isCloseTo(0.0, within(1e-5));
            PreferenceTrainer trainer = new PreferenceTrainer(policy, reference, adam);
            List<Double> losses = new ArrayList<>();
            for (int i = 0; i < 11; i++) {
                SourceBatch batch =
                        new SourceBatch.Pairs("dpo", LossConfig.defaults(LossType.DPO_SIGMOID), 1.0, pairs("step" + i));
                losses.add(trainer.step(List.of(batch)).metrics().get("loss/dpo"));
            }

            assertThat(losses.get(0)).isCloseTo(Math.log(2), within(1e-5));
            assertThat(losses.get(10)).isLessThan(Math.log(2) - 0.2);
            snapshot(policy.model().parameters())
                    .forEach((name, values) -> assertThat(values).as(name).containsExactly(baseBefore.get(name)));
            assertThat(maxAbsDiff(adaptersBefore, snapshot(policy.trainableParameters())))
                    .isGreaterThan(1e-3);
            assertThat(margin(policy)).isGreaterThan(0.5);
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(LossType.class)
    void everyLossTrainsTheAdaptersTowardTheChosenCompletions(LossType type) throws Exception {
        Path dir = LlamaGeneratorTest.writeByteLlama(tmp.resolve("loss-" + type), 53);
        try (LlamaPolicy policy = LlamaPolicy.load(dir, Optional.of(LORA), 59, MAX_TOKENS, Device.cpu());
                ReferenceModel reference = new ReferenceModel(policy.frozenReference(), 1000);
                AdamW adam = new AdamW(OPTIMIZER, policy.trainableParameters())) {
            Map<String, float[]> baseBefore = snapshot(policy.model().parameters());
            PreferenceTrainer trainer = new PreferenceTrainer(policy, reference, adam);
            LossConfig loss = LossConfig.defaults(type);
            double first = Double.NaN;
            double last = Double.NaN;
            for (int i = 0; i < 11; i++) {
                SourceBatch batch;
                if (type.paired()) {
                    batch = new SourceBatch.Pairs("dpo", loss, 1.0, pairs("step" + i));
                } else {
                    List<UnpairedExample> examples = new ArrayList<>();
                    for (PairExample p : pairs("step" + i)) {
                        examples.add(new UnpairedExample(p.id() + "+", p.prompt(), p.chosen(), true, 1.0));
                        examples.add(new UnpairedExample(p.id() + "-", p.prompt(), p.rejected(), false, 1.0));
                    }
                    batch = new SourceBatch.Unpaired("kto", loss, 1.0, examples);
                }
                last = trainer.step(List.of(batch)).metrics().get("loss/" + batch.source());
                assertThat(last).as("step %d", i).isFinite();
                first = i == 0 ? last : first;
            }
            assertThat(last).as(type + " loss").isLessThan(first);
            snapshot(policy.model().parameters())
                    .forEach((name, values) -> assertThat(values).as(name).containsExactly(baseBefore.get(name)));
            assertThat(margin(policy)).as(type + " margin").isGreaterThan(0.2);
        }
    }

    @Test
    void fullFineTuningTrainsTheBaseWeightsAgainstAnUntouchedReference() throws Exception {
        Path dir = LlamaGeneratorTest.writeByteLlama(tmp.resolve("full"), 61);
        try (LlamaPolicy policy = LlamaPolicy.load(dir, Optional.empty(), 0, MAX_TOKENS, Device.cpu());
                ReferenceModel reference = new ReferenceModel(policy.frozenReference(), 1000);
                AdamW adam = new AdamW(
                        new OptimizerConfig(3e-3, 0.9, 0.999, 1e-8, 0.0, 1.0, 0), policy.trainableParameters())) {
            assertThat(policy.trainableParameters()).isSameAs(policy.model().parameters());
            assertThat(reference.model()).isNotSameAs(policy);
            assertThat(reference.model().trainableParameters().values()).noneMatch(NDArray::hasGradient);
            Map<String, float[]> before = snapshot(policy.model().parameters());
            PreferenceTrainer trainer = new PreferenceTrainer(policy, reference, adam);
            double first = Double.NaN;
            double last = Double.NaN;
            for (int i = 0; i < 6; i++) {
                SourceBatch batch =
                        new SourceBatch.Pairs("dpo", LossConfig.defaults(LossType.DPO_SIGMOID), 1.0, pairs("step" + i));
                last = trainer.step(List.of(batch)).metrics().get("loss/dpo");
                first = i == 0 ? last : first;
            }
            assertThat(first).isCloseTo(Math.log(2), within(1e-5));
            assertThat(last).isLessThan(first - 0.1);
            assertThat(maxAbsDiff(before, snapshot(policy.model().parameters())))
                    .isGreaterThan(1e-4);
            // The reference is a second load of the directory: still the base weights, so version 0.
            try (LlamaPolicy base = LlamaPolicy.load(dir, Optional.empty(), 0, MAX_TOKENS, Device.cpu())) {
                assertThat(snapshot(base.model().parameters()).get("model.layers.0.mlp.up_proj.weight"))
                        .containsExactly(before.get("model.layers.0.mlp.up_proj.weight"));
                EncodedPair row = policy.tokenizer().encodePair("Say hi", "Hello!", MAX_TOKENS, true);
                float ref = reference.logps(List.of(new ReferenceModel.Request("x", "Say hi", "Hello!")))[0];
                assertThat(ref).isCloseTo((float) completionLogp(base.model(), row), within(1e-4f));
            }
        }
    }

    /**
     * The fixed pairs under ids new to the reference's cache, as the online loop sees each example once: the
     * reference is scored afresh every step.
     */
    private static List<PairExample> pairs(String idPrefix) {
        return PAIRS.stream()
                .map(p -> new PairExample(idPrefix + p.id(), p.prompt(), p.chosen(), p.rejected(), p.weight()))
                .toList();
    }

    /**
     * Sum over pairs of (policy chosen - reference chosen) - (policy rejected - reference rejected), the DPO
     * implicit reward margin, from full forward passes of each row alone, the reference being the adapters off.
     */
    private static double margin(LlamaPolicy policy) {
        LoraAdapters adapters = policy.adapters().orElseThrow();
        Tokenizer tokenizer = policy.tokenizer();
        double total = 0;
        for (PairExample p : PAIRS) {
            EncodedPair chosen = tokenizer.encodePair(p.prompt(), p.chosen(), MAX_TOKENS, true);
            EncodedPair rejected = tokenizer.encodePair(p.prompt(), p.rejected(), MAX_TOKENS, true);
            double trained = completionLogp(policy.model(), chosen) - completionLogp(policy.model(), rejected);
            double base;
            try (LoraAdapters.Scope off = adapters.disabled()) {
                base = completionLogp(policy.model(), chosen) - completionLogp(policy.model(), rejected);
            }
            total += trained - base;
        }
        return total;
    }

    private static double completionLogp(LlamaModel model, EncodedPair row) {
        try (NDManager scope = NDManager.newBaseManager();
                GradMode.Scope off = GradMode.off()) {
            long[] ids = Arrays.stream(row.ids()).asLongStream().toArray();
            float[] logits =
                    model.logits(scope.create(ids, new Shape(1, ids.length))).toFloatArray();
            int vocab = model.config().vocabSize();
            double sum = 0;
            for (int t = row.promptLength(); t < ids.length; t++) {
                float[] at = Arrays.copyOfRange(logits, (t - 1) * vocab, t * vocab);
                sum += at[(int) ids[t]] - LlamaGeneratorTest.logSumExp(at);
            }
            return sum;
        }
    }

    private static Map<String, float[]> snapshot(Map<String, NDArray> params) {
        Map<String, float[]> out = new LinkedHashMap<>();
        params.forEach((k, v) -> out.put(k, v.toFloatArray()));
        return out;
    }

    private static double maxAbsDiff(Map<String, float[]> a, Map<String, float[]> b) {
        double max = 0;
        for (String k : a.keySet()) {
            for (int i = 0; i < a.get(k).length; i++) {
                max = Math.max(max, Math.abs(a.get(k)[i] - b.get(k)[i]));
            }
        }
        return max;
    }
}
