package io.streamrlhf.trainer.loop;

import static io.streamrlhf.trainer.loop.TrainerItSupport.coveredOffsets;
import static io.streamrlhf.trainer.loop.TrainerItSupport.startTrainer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.streamrlhf.avro.PolicyStatus;
import io.streamrlhf.avro.PolicyVersion;
import io.streamrlhf.avro.TrainerMetrics;
import io.streamrlhf.localstack.junit.EmbeddedKafkaExtension;
import io.streamrlhf.schemas.topic.Topics;
import io.streamrlhf.trainer.batch.SequenceCollator.Sample;
import io.streamrlhf.trainer.checkpoint.Checkpoint;
import io.streamrlhf.trainer.checkpoint.LocalCheckpointStore;
import io.streamrlhf.trainer.config.TrainerConfig;
import io.streamrlhf.trainer.config.TrainerConfigFactory;
import io.streamrlhf.trainer.model.TrainableModel;
import io.streamrlhf.trainer.model.llama.LlamaModel;
import io.streamrlhf.trainer.model.llama.LlamaPolicy;
import io.streamrlhf.trainer.model.llama.LoraAdapters;
import io.streamrlhf.trainer.model.llama.LoraConfig;
import io.streamrlhf.trainer.model.llama.TinyLlamaModels;
import io.streamrlhf.trainer.publish.PublishHooks;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The online trainer on a Hugging Face model directory ({@code trainer.model.dir}), on the embedded broker: a tiny
 * random Llama with a byte vocabulary trained through LoRA from the loop's own topics lowers the DPO loss from
 * log 2, its versions are PEFT adapter directories holding only adapter tensors (and the trainer's state), the
 * model directory is untouched, the last version's adapters
 * prefer the chosen answers over the base, and a restarted trainer resumes from that version.
 */
class HfModelTrainerIT {

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    private static final String MODEL_ID = "hfmodel";
    private static final LoraConfig LORA = new LoraConfig(4, 8, 0.0, LoraConfig.allTargets(), false);

    private final TrainerItSupport support = new TrainerItSupport(KAFKA::bootstrapServers);

    @TempDir
    Path tmp;

    @Test
    void trainsAHuggingFaceDirectoryThroughLoraAndPublishesAdapterVersions() throws Exception {
        // given a model directory and examples of fixed pairs (the KTO examples are not read)
        Path modelDir = TinyLlamaModels.writeByteLlama(tmp.resolve("model"), 71);
        byte[] weightsBefore = Files.readAllBytes(modelDir.resolve("model.safetensors"));
        String prefix = KAFKA.uniquePrefix();
        Topics topics = support.createTopics(prefix, KAFKA.schemaRegistryClient());
        Map<String, String> settings =
                support.trainerSettings(MODEL_ID, prefix, tmp.resolve("checkpoints"), topics.names());
        settings.put("trainer.model.dir", modelDir.toString());
        settings.put("trainer.lora.rank", "4");
        settings.put("trainer.lora.alpha", "8");
        settings.put("trainer.lora.dropout", "0");
        settings.put("trainer.optimizer.lr", "0.02");
        settings.put("trainer.optimizer.warmup.steps", "0");
        // DPO alone, so that its first step is the first update (KTO is trained through LlamaPolicy in unit tests).
        settings.put("trainer.kto.enabled", "false");
        TrainerConfig config = TrainerConfigFactory.fromProperties(settings);
        support.produce(topics, "e", 64);
        Map<TopicPartition, TreeSet<Long>> examples = support.committedExampleOffsets(topics.names());
        examples.keySet().removeIf(tp -> !tp.topic().equals(topics.dpoPairs().name()));

        // when the trainer runs until every example is in a committed version
        OnlineTrainer trainer = new OnlineTrainer(config, topics, PublishHooks.NONE);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread thread = startTrainer(trainer, "hf-trainer", failure);
        try {
            await().atMost(Duration.ofSeconds(240))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> failure.get() != null
                            || coveredOffsets(support.history(topics, MODEL_ID), examples)
                                    .equals(examples));
        } finally {
            trainer.stop();
            thread.join(30_000);
        }
        assertThat(failure.get()).isNull();

        // then the DPO loss starts at log 2 (fresh adapters: policy equals reference) and falls
        List<TrainerMetrics> steps = support
                .readCommitted(topics.trainerMetrics().name())
                .stream()
                .map(r -> topics.trainerMetrics().valueSerde().deserializer().deserialize(r.topic(), r.value()))
                .filter(m -> m.getMetrics().containsKey("loss/dpo"))
                .sorted(Comparator.comparingLong(TrainerMetrics::getStep))
                .toList();
        assertThat(steps).hasSizeGreaterThanOrEqualTo(6);
        assertThat(steps.get(0).getMetrics().get("loss/dpo")).isCloseTo(Math.log(2), within(1e-4));
        assertThat(steps.get(steps.size() - 1).getMetrics().get("loss/dpo")).isLessThan(Math.log(2) - 0.1);

        // and every version holds the adapters alone, with their optimizer state; the base is untouched
        List<PolicyVersion> versions = support.history(topics, MODEL_ID).versions();
        assertThat(versions.get(0).getStatus()).isEqualTo(PolicyStatus.WARM_START);
        assertThat(versions).hasSizeGreaterThanOrEqualTo(3);
        PolicyVersion last = versions.get(versions.size() - 1);
        LocalCheckpointStore store = new LocalCheckpointStore(tmp.resolve("checkpoints"));
        Checkpoint checkpoint = store.read(URI.create(last.getCheckpointUri()), last.getSha256());
        assertThat(checkpoint.weights().keySet())
                .hasSize(2 * 7 * 2)
                .allMatch(k -> k.startsWith("base_model.model.model.layers.") && k.contains(".lora_"));
        assertThat(checkpoint.optimizerState().firstMoments().keySet())
                .containsExactlyInAnyOrderElementsOf(checkpoint.weights().keySet());
        assertThat(Files.readAllBytes(modelDir.resolve("model.safetensors"))).isEqualTo(weightsBefore);

        // and the version is a PEFT adapter directory that loads as it is
        Path versionDir = Path.of(URI.create(last.getCheckpointUri()));
        try (Stream<Path> files = Files.list(versionDir)) {
            assertThat(files.map(f -> f.getFileName().toString()))
                    .containsExactlyInAnyOrder(
                            "adapter_config.json", "adapter_model.safetensors", "trainer_state.safetensors");
        }
        try (NDManager manager = NDManager.newBaseManager();
                LlamaModel base = LlamaModel.load(modelDir, manager);
                LoraAdapters adapters = LoraAdapters.load(versionDir, base)) {
            assertThat(adapters.config()).isEqualTo(LORA);
            adapters.parameters()
                    .forEach((name, array) -> assertThat(array.toFloatArray())
                            .as(name)
                            .containsExactly(checkpoint.weights().get(name)));
        }

        // and the last version, loaded on the base, prefers the chosen answers more than the base does
        try (LlamaPolicy loaded = LlamaPolicy.load(modelDir, Optional.of(LORA), 1, 64, Device.cpu());
                TrainableModel base = loaded.frozenReference()) {
            loaded.loadWeights(checkpoint.weights());
            double margin = 0;
            for (int a = 0; a < 10; a++) {
                String prompt = "What is " + a + "+2?";
                List<Sample> rows = List.of(new Sample(prompt, "" + (a + 2)), new Sample(prompt, "" + (a + 3)));
                margin += difference(loaded, rows) - difference(base, rows);
            }
            assertThat(margin).isGreaterThan(1.0);
        }

        // and a restarted trainer resumes from the last version
        OnlineTrainer again = new OnlineTrainer(config, topics, PublishHooks.NONE);
        Thread second = startTrainer(again, "hf-trainer-again", failure);
        try {
            await().atMost(Duration.ofSeconds(120))
                    .until(() -> failure.get() != null || again.state() == OnlineTrainer.State.RUNNING);
            assertThat(failure.get()).isNull();
            assertThat(again.currentVersion()).isEqualTo(last.getVersion());
        } finally {
            again.stop();
            second.join(30_000);
        }
    }

    /** Log-prob of the first row's completion minus the second's. */
    private static double difference(TrainableModel model, List<Sample> rows) {
        try (NDManager scope = model.manager().newSubManager()) {
            float[] sums = model.completionLogps(scope, rows, false).sums().toFloatArray();
            return sums[0] - sums[1];
        }
    }
}
