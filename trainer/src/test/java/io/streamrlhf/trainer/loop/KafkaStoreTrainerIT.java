package io.streamrlhf.trainer.loop;

import static io.streamrlhf.trainer.loop.TrainerItSupport.startTrainer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.streamrlhf.avro.PolicyVersion;
import io.streamrlhf.localstack.junit.EmbeddedKafkaExtension;
import io.streamrlhf.schemas.topic.TopicLayout;
import io.streamrlhf.schemas.topic.TopicNames;
import io.streamrlhf.schemas.topic.TopicSpec;
import io.streamrlhf.schemas.topic.Topics;
import io.streamrlhf.trainer.checkpoint.KafkaCheckpointStore;
import io.streamrlhf.trainer.checkpoint.UntrustedCheckpointException;
import io.streamrlhf.trainer.config.TrainerConfig;
import io.streamrlhf.trainer.config.TrainerConfigFactory;
import io.streamrlhf.trainer.publish.PublishHooks;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The online trainer on the kafka checkpoint store: it writes no file, a crash inside a publish transaction leaves
 * that version's chunks unreadable, the restarted trainer resumes from the last committed version read back from
 * the topic, and retention keeps version 0 and the last N versions' chunks only.
 */
class KafkaStoreTrainerIT {

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    private static final String MODEL_ID = "kafkastore";

    private final TrainerItSupport support = new TrainerItSupport(KAFKA::bootstrapServers);

    @TempDir
    Path checkpoints;

    @Test
    void theTrainerResumesFromTheTopicAfterACrashInsideAPublishAndWritesNoFiles() throws Exception {
        // given example topics with examples, and the store's topics as the stack provisions them
        String prefix = KAFKA.uniquePrefix();
        TopicNames names = TopicNames.defaults().withPrefix(prefix);
        Topics topics = new Topics(names, KAFKA.schemaRegistryClient());
        support.createTopics(names);
        createStoreTopics(names);
        support.produce(topics, "a", 40);
        Map<String, String> settings = support.trainerSettings(MODEL_ID, prefix, checkpoints, names);
        settings.put("trainer.checkpoint.store", "kafka");
        settings.put("trainer.checkpoint.kafka.chunk.bytes", "4096");
        settings.put("trainer.checkpoint.kafka.keep.last", "2");
        settings.put("topic.policy.checkpoints", names.policyCheckpoints());
        settings.put("topic.policy.decisions", names.policyDecisions());
        TrainerConfig config = TrainerConfigFactory.fromProperties(settings);

        // when the trainer dies inside the transaction of version 2, its chunks already sent
        OnlineTrainer crashing = new OnlineTrainer(config, topics, new PublishHooks() {
            @Override
            public void beforeCommit(long version) {
                if (version == 2) {
                    throw new OnlineTrainerIT.SimulatedCrash("before commit of version 2");
                }
            }
        });
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread first = startTrainer(crashing, "kafka-store-crashing", failure);
        await().atMost(Duration.ofSeconds(180)).until(() -> !first.isAlive());
        assertThat(failure.get()).isInstanceOf(OnlineTrainerIT.SimulatedCrash.class);
        KafkaCheckpointStore reader = (KafkaCheckpointStore)
                config.checkpointStore().open(checkpoints, 1L << 26, topics, KAFKA.bootstrapServers(), Map.of());

        // and restarts: the new transactional producer aborts version 2's transaction
        OnlineTrainer restarted = new OnlineTrainer(config, topics, PublishHooks.NONE);
        Thread second = startTrainer(restarted, "kafka-store-restarted", failure);
        try {
            await().atMost(Duration.ofSeconds(180))
                    .until(() -> restarted.state() == OnlineTrainer.State.FAILED
                            || support.history(topics, MODEL_ID).versions().size() >= 5);
            assertThat(restarted.state()).isEqualTo(OnlineTrainer.State.RUNNING);
        } finally {
            restarted.stop();
            second.join(30_000);
        }

        // then the versions are 0..n, version 2 the child of version 1 (resumed from the topic), all in Kafka
        List<PolicyVersion> versions = support.history(topics, MODEL_ID).versions();
        assertThat(versions).extracting(PolicyVersion::getVersion).startsWith(0L, 1L, 2L, 3L, 4L);
        assertThat(versions.get(2).getParentVersion()).isEqualTo(1L);
        assertThat(versions)
                .allSatisfy(v -> assertThat(v.getCheckpointUri())
                        .isEqualTo("kafka://" + names.policyCheckpoints() + "/" + MODEL_ID + "/" + v.getVersion()));
        try (Stream<Path> files = Files.exists(checkpoints) ? Files.list(checkpoints) : Stream.empty()) {
            assertThat(files.toList()).as("no checkpoint file is written").isEmpty();
        }

        // and retention kept version 0 and the last 2 versions; the others are refused as missing
        long newest = versions.get(versions.size() - 1).getVersion();
        assertThat(reader.scanVersions(MODEL_ID).keySet()).isEqualTo(Set.of(0L, newest - 1, newest));
        for (PolicyVersion v : versions) {
            URI uri = URI.create(v.getCheckpointUri());
            if (v.getVersion() == 0 || v.getVersion() >= newest - 1) {
                assertThat(reader.read(uri, v.getSha256()).version()).isEqualTo(v.getVersion());
            } else {
                assertThatThrownBy(() -> reader.read(uri, v.getSha256()))
                        .isInstanceOfSatisfying(
                                UntrustedCheckpointException.class,
                                e -> assertThat(e.kind()).isEqualTo(UntrustedCheckpointException.Kind.MISSING));
            }
        }
    }

    private static void createStoreTopics(TopicNames names) throws Exception {
        Set<String> wanted = Set.of(names.policyCheckpoints(), names.policyDecisions());
        List<TopicSpec> specs = TopicLayout.defaults().specs(names).stream()
                .filter(s -> wanted.contains(s.name()))
                .toList();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()))) {
            admin.createTopics(specs.stream()
                            .map(s ->
                                    new NewTopic(s.name(), s.partitions(), s.replicationFactor()).configs(s.configs()))
                            .toList())
                    .all()
                    .get();
        }
    }
}
