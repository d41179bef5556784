package io.streamrlhf.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import io.streamrlhf.trainer.batch.SequenceCollator.Sample;
import io.streamrlhf.trainer.config.ModelConfig;
import io.streamrlhf.trainer.loss.LossConfig;
import io.streamrlhf.trainer.loss.LossType;
import io.streamrlhf.trainer.loss.PairedLogps;
import io.streamrlhf.trainer.loss.PreferenceLosses;
import io.streamrlhf.trainer.loss.UnpairedLogps;
import io.streamrlhf.trainer.model.llama.ByteLlamaDirectory;
import io.streamrlhf.trainer.model.llama.LlamaPolicy;
import io.streamrlhf.trainer.model.llama.LoraConfig;
import io.streamrlhf.trainer.optim.AdamW;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A garbage collection between a step's forward and backward pass must not change its gradients. DJL closes the
 * 0-d array it makes for a {@code Number} operand right after the operation, and a collection then frees the
 * memory autograd still reads in the backward pass (see {@link Scalars}); in the one-JVM stack that made a rare
 * warm-start step's gradient NaN. Each test computes the same gradients twice, once with a full collection (and
 * the reference handler's frees) forced between forward and backward, and asserts they agree.
 */
class CollectionBeforeBackwardTest {

    private static final List<Sample> BATCH = List.of(
            new Sample("What is 2+3?", "5"),
            new Sample("Say hello politely.", "Hello, nice to meet you."),
            new Sample("What is 17+25?", "42"));

    @TempDir
    static Path tmp;

    @Test
    void warmStartGradientsOfTheDemosLlamaLayoutModelSurviveACollection() throws Exception {
        Path dir = ByteLlamaDirectory.write(tmp.resolve("full"), 2, 32, 64, 3L);
        try (LlamaPolicy policy = LlamaPolicy.load(dir, Optional.empty(), 0, 64, Device.cpu())) {
            assertSameGradients(policy, (m, scope) -> nll(m.completionLogps(scope, BATCH, true)));
        }
    }

    @Test
    void loraGradientsSurviveACollection() throws Exception {
        Path dir = ByteLlamaDirectory.write(tmp.resolve("lora"), 1, 32, 64, 5L);
        LoraConfig lora = new LoraConfig(4, 8, 0.0, LoraConfig.allTargets(), false);
        try (LlamaPolicy policy = LlamaPolicy.load(dir, Optional.of(lora), 9, 64, Device.cpu())) {
            // Fresh adapters have B = 0; one plain SGD-like nudge of B gives A a gradient too.
            try (GradMode.Scope off = GradMode.off()) {
                policy.trainableParameters().forEach((name, p) -> {
                    if (name.contains("lora_B")) {
                        p.addi(0.01f);
                    }
                });
            }
            assertSameGradients(policy, (m, scope) -> nll(m.completionLogps(scope, BATCH, true)));
        }
    }

    @Test
    void byteLevelModelGradientsSurviveACollection() {
        try (PolicyModel policy = PolicyModel.create(ModelConfig.tiny())) {
            assertSameGradients(policy, (m, scope) -> nll(m.completionLogps(scope, BATCH, true)));
        }
    }

    @ParameterizedTest
    @EnumSource(LossType.class)
    void preferenceLossGradientsSurviveACollection(LossType type) throws Exception {
        Path dir = ByteLlamaDirectory.write(tmp.resolve("loss-" + type), 1, 32, 64, 11L);
        LossConfig config = LossConfig.defaults(type);
        try (LlamaPolicy policy = LlamaPolicy.load(dir, Optional.empty(), 0, 64, Device.cpu())) {
            assertSameGradients(policy, (m, scope) -> {
                CompletionLogps logps = m.completionLogps(scope, BATCH, true);
                NDArray sums = logps.sums();
                NDArray counts = logps.counts();
                if (type == LossType.KTO) {
                    NDArray reference = scope.create(new float[] {-9f, -30f, -12f});
                    UnpairedLogps in = new UnpairedLogps(
                            sums,
                            reference,
                            sums.flip(0),
                            reference.flip(0),
                            scope.create(new float[] {1f, 0f, 1f}),
                            scope.create(new float[] {1f, 1f, 0.5f}));
                    return PreferenceLosses.kto(config, in).loss();
                }
                // Pairs (row 0, row 1) and (row 1, row 2), with a fixed reference.
                NDArray chosen = sums.get("0:2");
                NDArray rejected = sums.get("1:3");
                PairedLogps in = new PairedLogps(
                        chosen,
                        rejected,
                        scope.create(new float[] {-8f, -25f}),
                        scope.create(new float[] {-26f, -11f}),
                        counts.get("0:2"),
                        counts.get("1:3"),
                        scope.create(new float[] {1f, 0.5f}));
                return PreferenceLosses.paired(config, in).loss();
            });
        }
    }

    /** The SFT loss: token-mean negative log-likelihood of the completions. */
    private static NDArray nll(CompletionLogps logps) {
        return logps.sums().sum().neg().div(logps.counts().sum());
    }

    private static void assertSameGradients(TrainableModel model, BiFunction<TrainableModel, NDManager, NDArray> loss) {
        Map<String, float[]> quiet = gradients(model, loss, false);
        Map<String, float[]> collected = gradients(model, loss, true);
        double largest = 0;
        for (Map.Entry<String, float[]> e : quiet.entrySet()) {
            float[] a = e.getValue();
            float[] b = collected.get(e.getKey());
            for (int i = 0; i < a.length; i++) {
                assertThat(b[i]).as("%s[%d]", e.getKey(), i).isFinite();
                largest = Math.max(largest, Math.abs(a[i]));
            }
        }
        assertThat(largest).as("some gradient is not zero").isGreaterThan(1e-6);
        for (Map.Entry<String, float[]> e : quiet.entrySet()) {
            float[] a = e.getValue();
            float[] b = collected.get(e.getKey());
            for (int i = 0; i < a.length; i++) {
                assertThat((double) Math.abs(a[i] - b[i]))
                        .as("%s[%d]: %s without, %s with a collection", e.getKey(), i, a[i], b[i])
                        .isLessThanOrEqualTo(1e-5 * largest);
            }
        }
    }

    private static Map<String, float[]> gradients(
            TrainableModel model, BiFunction<TrainableModel, NDManager, NDArray> loss, boolean collect) {
        Map<String, NDArray> parameters = model.trainableParameters();
        Map<String, float[]> out = new LinkedHashMap<>();
        try (NDManager scope = model.manager().newSubManager();
                NDScope ignored = new NDScope()) {
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray value = loss.apply(model, scope);
                if (collect) {
                    GarbageCollection.collectAndFree();
                }
                collector.backward(value);
            }
            parameters.forEach((name, p) -> out.put(name, p.getGradient().toFloatArray()));
        }
        AdamW.zeroGradients(parameters);
        return out;
    }
}
