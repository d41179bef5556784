package io.streamrlhf.trainer.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamrlhf.trainer.batch.PairExample;
import io.streamrlhf.trainer.batch.SourceBatch;
import io.streamrlhf.trainer.config.ModelConfig;
import io.streamrlhf.trainer.config.OptimizerConfig;
import io.streamrlhf.trainer.generate.Generation;
import io.streamrlhf.trainer.generate.Generator;
import io.streamrlhf.trainer.generate.SamplingConfig;
import io.streamrlhf.trainer.loop.PreferenceTrainer;
import io.streamrlhf.trainer.loss.LossConfig;
import io.streamrlhf.trainer.loss.LossType;
import io.streamrlhf.trainer.model.PolicyModel;
import io.streamrlhf.trainer.model.PolicyWeights;
import io.streamrlhf.trainer.model.ReferenceModel;
import io.streamrlhf.trainer.optim.AdamW;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalCheckpointStoreTest {

    private static final OptimizerConfig OPT = new OptimizerConfig(3e-3, 0.9, 0.999, 1e-8, 0.01, 1.0, 2);
    private static final List<SourceBatch> BATCH = List.of(new SourceBatch.Pairs(
            "dpo",
            LossConfig.defaults(LossType.DPO_SIGMOID),
            1.0,
            List.of(new PairExample("p", "What is 5+2?", "7", "8", 1.0))));

    @TempDir
    Path folder;

    @Test
    void roundTripRestoresWeightsOptimizerStateAndStepSoTrainingContinuesIdentically() throws Exception {
        // given a model trained for two steps and checkpointed
        LocalCheckpointStore store = new LocalCheckpointStore(folder);
        try (PolicyModel policy = PolicyModel.create(ModelConfig.tiny());
                ReferenceModel reference = new ReferenceModel(policy.frozenCopy(), 100);
                AdamW adam = new AdamW(OPT, policy.parameters())) {
            PreferenceTrainer trainer = new PreferenceTrainer(policy, reference, adam);
            trainer.step(BATCH);
            trainer.step(BATCH);
            CheckpointStore.Stored stored =
                    store.write("v1", Checkpoint.of("m", 1, 0, policy, OPT, adam.exportState()));
            // when it is loaded into a fresh model and optimizer
            Checkpoint loaded = store.read(stored.uri(), stored.sha256());
            try (PolicyModel restored = loaded.toPolicyModel();
                    AdamW restoredAdam = new AdamW(loaded.optimizer(), restored.parameters())) {
                restoredAdam.importState(loaded.optimizerState());
                // then everything matches
                assertThat(loaded.modelId()).isEqualTo("m");
                assertThat(loaded.version()).isEqualTo(1);
                assertThat(loaded.parentVersion()).isZero();
                assertThat(loaded.model()).isEqualTo(ModelConfig.tiny());
                assertThat(loaded.optimizer()).isEqualTo(OPT);
                assertThat(restoredAdam.step()).isEqualTo(2);
                assertSameWeights(PolicyWeights.export(policy), PolicyWeights.export(restored));
                assertThat(Files.size(Path.of(stored.uri()))).isEqualTo(stored.sizeBytes());
                // and one more step on each gives the same weights (moments were restored too)
                trainer.step(BATCH);
                // the reference (the initial model) is shared, its cached log-probs are identical
                new PreferenceTrainer(restored, reference, restoredAdam).step(BATCH);
                assertSameWeights(PolicyWeights.export(policy), PolicyWeights.export(restored));
            }
        }
    }

    @Test
    void corruptedCheckpointIsRefusedWithAClearError() throws Exception {
        // given a stored checkpoint with one flipped byte in the weights
        LocalCheckpointStore store = new LocalCheckpointStore(folder);
        try (PolicyModel policy = PolicyModel.create(ModelConfig.tiny());
                AdamW adam = new AdamW(OPT, policy.parameters())) {
            CheckpointStore.Stored stored =
                    store.write("v1", Checkpoint.of("m", 1, 0, policy, OPT, adam.exportState()));
            Path file = Path.of(stored.uri());
            byte[] bytes = Files.readAllBytes(file);
            bytes[bytes.length / 2] ^= 0x10;
            Files.write(file, bytes);
            // when / then: with and without the expected hash
            assertThatThrownBy(() -> store.read(stored.uri(), null))
                    .isInstanceOf(CorruptCheckpointException.class)
                    .hasMessageContaining("corrupted")
                    .hasMessageContaining("refusing to load");
            assertThatThrownBy(() -> store.read(stored.uri(), stored.sha256()))
                    .isInstanceOf(CorruptCheckpointException.class)
                    .hasMessageContaining(stored.sha256());
        }
    }

    @Test
    void truncatedFileAndLeftoverTempFilesAreHandled() throws Exception {
        // given a truncated checkpoint and a temp file from an interrupted write
        LocalCheckpointStore store = new LocalCheckpointStore(folder);
        try (PolicyModel policy = PolicyModel.create(ModelConfig.tiny());
                AdamW adam = new AdamW(OPT, policy.parameters())) {
            CheckpointStore.Stored stored =
                    store.write("v2", Checkpoint.of("m", 2, 1, policy, OPT, adam.exportState()));
            byte[] bytes = Files.readAllBytes(Path.of(stored.uri()));
            Files.write(Path.of(stored.uri()), java.util.Arrays.copyOf(bytes, bytes.length - 100));
            Files.writeString(folder.resolve("v3.abc.tmp"), "partial");
            // when
            LocalCheckpointStore reopened = new LocalCheckpointStore(folder);
            // then
            assertThatThrownBy(() -> reopened.read(stored.uri(), null)).isInstanceOf(CorruptCheckpointException.class);
            assertThat(Files.exists(folder.resolve("v3.abc.tmp"))).isFalse();
            assertThat(reopened.list()).containsExactly(stored.uri());
        }
    }

    @Test
    void samplerLoadsAPublishedCheckpointByUriAndHashAndGenerates() throws Exception {
        // given a stored checkpoint
        LocalCheckpointStore store = new LocalCheckpointStore(folder);
        try (PolicyModel policy = PolicyModel.create(ModelConfig.tiny());
                AdamW adam = new AdamW(OPT, policy.parameters())) {
            CheckpointStore.Stored stored =
                    store.write("v0", Checkpoint.of("m", 0, -1, policy, OPT, adam.exportState()));
            Generation expected =
                    new Generator(policy).generate("What is 1+2?", SamplingConfig.greedy(8), new Random(1));
            // when it is loaded the way the sampler loads a published version
            try (PolicyModel loaded = store.read(stored.uri(), stored.sha256()).toPolicyModel()) {
                // then it is the same policy
                Generation again =
                        new Generator(loaded).generate("What is 1+2?", SamplingConfig.greedy(8), new Random(2));
                assertThat(again.tokens()).containsExactly(expected.tokens());
                assertThat(again.text()).isEqualTo(expected.text());
            }
            assertThatThrownBy(() ->
                            store.read(stored.uri(), "00" + stored.sha256().substring(2)))
                    .isInstanceOf(CorruptCheckpointException.class);
        }
    }

    @Test
    void cleanUpOfOneModelLeavesTheFilesOfAModelWhoseIdItPrefixes() throws Exception {
        // given checkpoints of "policy" and of "policy-v2" in one folder; "policy-v2-v1-..." starts with
        // "policy-v" like policy's own files do
        LocalCheckpointStore store = new LocalCheckpointStore(folder);
        try (PolicyModel policy = PolicyModel.create(ModelConfig.tiny());
                AdamW adam = new AdamW(OPT, policy.parameters())) {
            URI policy0 = write(store, "policy", 0, policy, adam);
            URI policy1 = write(store, "policy", 1, policy, adam);
            URI other0 = write(store, "policy-v2", 0, policy, adam);
            URI other1 = write(store, "policy-v2", 1, policy, adam);
            Files.writeString(folder.resolve("policy-notes.ckpt"), "not a checkpoint of any model");

            // when each model lists its own, then it sees exactly its own files
            assertThat(store.list("policy")).containsExactlyInAnyOrder(policy0, policy1);
            assertThat(store.list("policy-v2")).containsExactlyInAnyOrder(other0, other1);

            // when "policy" deletes every checkpoint but its version 1
            List<URI> deleted = store.deleteUnreferenced("policy", Set.of(policy1.toString()));

            // then only its own version 0 went; the other model's files are untouched
            assertThat(deleted).containsExactly(policy0);
            assertThat(store.list())
                    .containsExactlyInAnyOrder(
                            policy1,
                            other0,
                            other1,
                            folder.resolve("policy-notes.ckpt").toUri());
            // and the other model's clean-up leaves "policy" alone in turn
            assertThat(store.deleteUnreferenced("policy-v2", Set.of())).containsExactlyInAnyOrder(other0, other1);
            assertThat(Files.exists(Path.of(policy1))).isTrue();
        }
    }

    private static URI write(CheckpointStore store, String modelId, long version, PolicyModel policy, AdamW adam)
            throws Exception {
        return store.write(
                        CheckpointNames.name(modelId, version),
                        Checkpoint.of(modelId, version, version - 1, policy, OPT, adam.exportState()))
                .uri();
    }

    private static void assertSameWeights(Map<String, float[]> a, Map<String, float[]> b) {
        assertThat(b.keySet()).containsExactlyElementsOf(a.keySet());
        a.forEach((name, w) -> assertThat(b.get(name)).as(name).containsExactly(w));
    }
}
