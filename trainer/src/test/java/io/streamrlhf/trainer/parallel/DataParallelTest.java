package io.streamrlhf.trainer.parallel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import io.streamrlhf.trainer.batch.PairExample;
import io.streamrlhf.trainer.batch.SourceBatch;
import io.streamrlhf.trainer.batch.UnpairedExample;
import io.streamrlhf.trainer.config.ModelConfig;
import io.streamrlhf.trainer.config.OptimizerConfig;
import io.streamrlhf.trainer.loop.PreferenceTrainer;
import io.streamrlhf.trainer.loop.PreferenceTrainer.StepResult;
import io.streamrlhf.trainer.loss.LossConfig;
import io.streamrlhf.trainer.loss.LossType;
import io.streamrlhf.trainer.model.Devices;
import io.streamrlhf.trainer.model.PolicyModel;
import io.streamrlhf.trainer.model.PolicyWeights;
import io.streamrlhf.trainer.model.ReferenceModel;
import io.streamrlhf.trainer.optim.AdamW;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Data parallelism must not change the update: the same steps on one device and split across
 * replicas (here three replicas on the CPU, the only device this machine has; on a GPU machine
 * {@code trainer.devices=auto} puts them on the GPUs) give the same weights, losses and metrics.
 */
class DataParallelTest {

    private static final OptimizerConfig OPTIMIZER = new OptimizerConfig(3e-3, 0.9, 0.999, 1e-8, 0.01, 1.0, 0);
    private static final List<Device> THREE_REPLICAS = List.of(Device.cpu(), Device.cpu(), Device.cpu());

    @Test
    void shardsAreContiguousBalancedAndCoverEveryExample() {
        assertThat(DataParallel.shards(8, 3)).containsExactly(new int[] {0, 3}, new int[] {3, 6}, new int[] {6, 8});
        assertThat(DataParallel.shards(2, 3)).containsExactly(new int[] {0, 1}, new int[] {1, 2});
        assertThat(DataParallel.shards(0, 2)).isEmpty();
        assertThatThrownBy(() -> DataParallel.shards(4, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void devicesParseListsAndRejectUnknownEntriesWithTheFix() {
        assertThat(Devices.parse("auto")).isEqualTo(Devices.all());
        assertThat(Devices.parse(" CPU , cpu ")).containsExactly(Device.cpu(), Device.cpu());
        assertThatThrownBy(() -> Devices.parse("tpu0"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Unknown device 'tpu0'")
                .hasMessageContaining("gpu0");
        // This machine's engine sees no GPU (a GPU machine sees at least one, so gpu99 still fails).
        assertThatThrownBy(() -> Devices.parse("gpu99"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("GPU(s)");
    }

    @Test
    void dpoStepsSplitAcrossReplicasMatchOneDevice() {
        List<SourceBatch> batch =
                List.of(new SourceBatch.Pairs("dpo", LossConfig.defaults(LossType.DPO_SIGMOID), 1.0, pairs(7)));
        assertSameTraining(batch);
    }

    @Test
    void ktoStepsSplitAcrossReplicasMatchOneDeviceIncludingTheBatchWideKlReferencePoint() {
        List<UnpairedExample> examples = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            examples.add(new UnpairedExample(
                    "k" + i,
                    "Say thanks " + i,
                    i % 3 == 0 ? "No." : "Thank you, friend " + i + "!",
                    i % 3 != 0,
                    1.0 + i % 2));
        }
        // Two sources in one step: gradients accumulate across both, as in the online loop; the KTO
        // source carries the per-token KL penalty, a per-row mean that shards like the loss.
        List<SourceBatch> batches = List.of(
                new SourceBatch.Unpaired("kto", LossConfig.defaults(LossType.KTO), 1.0, examples, 0.3),
                new SourceBatch.Pairs("dpo", LossConfig.defaults(LossType.IPO), 0.5, pairs(5)));
        assertSameTraining(batches);
    }

    @Test
    void orpoBatchesStayWholeOnThePrimaryAndStillMatch() {
        List<SourceBatch> batch =
                List.of(new SourceBatch.Pairs("dpo", LossConfig.defaults(LossType.ORPO), 1.0, pairs(6)));
        assertSameTraining(batch);
    }

    @Test
    void theFirstDeviceMustHoldThePrimary() {
        try (PolicyModel policy = PolicyModel.create(ModelConfig.tiny(), Device.cpu())) {
            assertThatThrownBy(() -> DataParallel.over(policy, List.of())).isInstanceOf(IllegalArgumentException.class);
            try (DataParallel single = DataParallel.over(policy, List.of(Device.cpu()))) {
                assertThat(single.size()).isEqualTo(1);
                assertThat(single.models()).containsExactly(policy);
            }
        }
    }

    private static List<PairExample> pairs(int n) {
        List<PairExample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new PairExample(
                    "p" + i,
                    "What is " + i + "+2?",
                    String.valueOf(i + 2),
                    "I do not know " + "x".repeat(i),
                    1.0 + 0.25 * i));
        }
        return out;
    }

    private static void assertSameTraining(List<SourceBatch> batches) {
        try (PolicyModel single = PolicyModel.create(ModelConfig.tiny(), Device.cpu());
                PolicyModel primary = PolicyModel.create(ModelConfig.tiny(), Device.cpu());
                ReferenceModel singleRef = new ReferenceModel(single.frozenCopy(), 1000);
                ReferenceModel parallelRef = new ReferenceModel(primary.frozenCopy(), 1000);
                AdamW singleOpt = new AdamW(OPTIMIZER, single.parameters());
                AdamW parallelOpt = new AdamW(OPTIMIZER, primary.parameters());
                DataParallel parallel = DataParallel.over(primary, THREE_REPLICAS)) {
            assertThat(primary.weightNormSquared()).isEqualTo(single.weightNormSquared());
            PreferenceTrainer one = new PreferenceTrainer(single, singleRef, singleOpt);
            PreferenceTrainer many = new PreferenceTrainer(primary, parallelRef, parallelOpt, parallel);
            Map<String, float[]> before = PolicyWeights.export(single);
            for (int step = 0; step < 3; step++) {
                StepResult a = one.step(batches);
                StepResult b = many.step(batches);
                assertThat(b.examples()).isEqualTo(a.examples());
                assertThat(b.tokens()).isEqualTo(a.tokens());
                for (String key : a.metrics().keySet()) {
                    if (key.endsWith("_per_s") || key.equals("step_seconds") || key.startsWith("time/")) {
                        continue;
                    }
                    assertThat(b.metrics().get(key))
                            .as(key)
                            .isCloseTo(
                                    a.metrics().get(key),
                                    within(1e-4 + 1e-4 * Math.abs(a.metrics().get(key))));
                }
            }
            assertWeightsClose(PolicyWeights.export(single), PolicyWeights.export(primary));
            // The replicas got the new weights too, and training moved them.
            for (PolicyModel replica : parallel.models()) {
                assertWeightsClose(PolicyWeights.export(primary), PolicyWeights.export(replica));
            }
            assertThat(maxAbsDiff(before, PolicyWeights.export(single))).isGreaterThan(1e-4);
        }
    }

    private static void assertWeightsClose(Map<String, float[]> expected, Map<String, float[]> actual) {
        assertThat(maxAbsDiff(expected, actual)).isLessThan(1e-5);
    }

    private static double maxAbsDiff(Map<String, float[]> a, Map<String, float[]> b) {
        double max = 0;
        for (Map.Entry<String, float[]> e : a.entrySet()) {
            float[] x = e.getValue();
            float[] y = b.get(e.getKey());
            for (int i = 0; i < x.length; i++) {
                max = Math.max(max, Math.abs(x[i] - y[i]));
            }
        }
        return max;
    }
}
