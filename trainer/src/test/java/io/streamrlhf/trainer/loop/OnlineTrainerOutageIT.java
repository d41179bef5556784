package io.streamrlhf.trainer.loop;

import static io.streamrlhf.trainer.loop.TrainerItSupport.assertEachInExactlyOneLineage;
import static io.streamrlhf.trainer.loop.TrainerItSupport.coveredOffsets;
import static io.streamrlhf.trainer.loop.TrainerItSupport.dpo;
import static io.streamrlhf.trainer.loop.TrainerItSupport.kto;
import static io.streamrlhf.trainer.loop.TrainerItSupport.startTrainer;
import static io.streamrlhf.trainer.loop.TrainerItSupport.sum;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.streamrlhf.avro.KtoExample;
import io.streamrlhf.avro.PolicyVersion;
import io.streamrlhf.localstack.junit.EmbeddedKafkaExtension;
import io.streamrlhf.localstack.registry.EmbeddedSchemaRegistry;
import io.streamrlhf.schemas.registry.InMemorySchemaRegistry;
import io.streamrlhf.schemas.registry.RestSchemaRegistryClient;
import io.streamrlhf.schemas.serde.AvroSerde;
import io.streamrlhf.schemas.topic.TopicNames;
import io.streamrlhf.schemas.topic.Topics;
import io.streamrlhf.trainer.config.TrainerConfig;
import io.streamrlhf.trainer.config.TrainerConfigFactory;
import io.streamrlhf.trainer.publish.PublishHooks;
import io.streamrlhf.trainer.publish.VersionHistory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.avro.Schema;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The online trainer through a schema-registry outage on the embedded broker and the embedded,
 * Kafka-backed registry: examples it cannot decode while the registry is down wait, they are neither
 * skipped nor counted twice; and through a broker restart, with every example in exactly one
 * committed version.
 */
class OnlineTrainerOutageIT {

    private static final String MODEL_ID = "outagemodel";

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    /** Reads the broker's address on each use: the broker-restart test stops and starts it. */
    private final TrainerItSupport support = new TrainerItSupport(() -> KAFKA.bootstrapServers());

    @TempDir
    Path checkpoints;

    @Test
    void examplesWrittenDuringARegistryOutageAreTrainedOnceTheRegistryIsBackNeitherLostNorDoubled() throws Exception {
        // given a Kafka-backed registry, example topics and a first batch of examples
        String prefix = "out" + UUID.randomUUID().toString().substring(0, 8) + ".";
        TopicNames names = TopicNames.defaults().withPrefix(prefix);
        EmbeddedSchemaRegistry registry = KAFKA.startSchemaRegistry(names.schemas(), 0);
        int port = registry.port();
        RestSchemaRegistryClient producerClient = new RestSchemaRegistryClient(registry.url());
        Topics producerTopics = new Topics(names, producerClient);
        support.createTopics(names);
        for (int i = 0; i < 8; i++) {
            support.send(
                    names.ktoExamples(),
                    i % 2,
                    producerTopics
                            .ktoExamples()
                            .valueSerde()
                            .serializer()
                            .serialize(names.ktoExamples(), kto("a" + i, i)));
            support.send(
                    names.dpoPairs(),
                    i % 2,
                    producerTopics.dpoPairs().valueSerde().serializer().serialize(names.dpoPairs(), dpo("a" + i, i)));
        }
        // and a second writer schema of KtoExample (same fields, one extra property, so a new id)
        // registered now: the trainer has never seen that id, so decoding it will need the registry
        Schema variant = new Schema.Parser().parse(KtoExample.getClassSchema().toString());
        variant.addProp("streamrlhf.test.variant", "outage");
        Serializer<KtoExample> variantSerializer =
                AvroSerde.<KtoExample>of(variant, producerClient, false, true).serializer();
        variantSerializer.serialize(names.ktoExamples(), kto("warmup", 0));

        // and a trainer with its own registry client (an empty cache) that absorbs the first batch
        Topics trainerTopics = new Topics(
                names,
                new RestSchemaRegistryClient(RestSchemaRegistryClient.Config.of(registry.url())
                        .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(2))));
        TrainerConfig config = config(names, prefix);
        OnlineTrainer trainer = new OnlineTrainer(config, trainerTopics, PublishHooks.NONE);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread thread = startTrainer(trainer, "trainer-outage", failure);
        try {
            Map<TopicPartition, TreeSet<Long>> firstBatch = support.committedExampleOffsets(names);
            await().atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(300))
                    .until(() ->
                            coveredOffsets(history(trainerTopics), firstBatch).equals(firstBatch));

            // when the registry stops and examples keep coming: KTO under the unseen writer id, one record
            // bad in itself, DPO pairs under the id the trainer already knows
            registry.close();
            for (int i = 0; i < 8; i++) {
                support.send(
                        names.ktoExamples(), i % 2, variantSerializer.serialize(names.ktoExamples(), kto("b" + i, i)));
                if (i == 3) {
                    support.send(names.ktoExamples(), 1, new byte[] {0, 0, 0, 0});
                }
                support.send(
                        names.dpoPairs(),
                        i % 2,
                        producerTopics
                                .dpoPairs()
                                .valueSerde()
                                .serializer()
                                .serialize(names.dpoPairs(), dpo("b" + i, i)));
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> trainer.registryRetries() >= 3);
            assertThat(trainer.state()).isEqualTo(OnlineTrainer.State.RUNNING);

            // and the registry comes back on the same address with the same schemas
            registry = KAFKA.startSchemaRegistry(names.schemas(), port);
            Map<TopicPartition, TreeSet<Long>> all = support.committedExampleOffsets(names);
            await().atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(300))
                    .until(() -> coveredOffsets(history(trainerTopics), all).equals(all));
        } finally {
            trainer.stop();
            thread.join(30_000);
            registry.close();
        }
        assertThat(failure.get()).isNull();

        // then every example offset is in exactly one version's lineage
        List<PolicyVersion> versions = history(trainerTopics).versions();
        Map<TopicPartition, TreeSet<Long>> all = support.committedExampleOffsets(names);
        assertEachInExactlyOneLineage(all, versions);
        // and only the record bad in itself was skipped: the ones written during the outage were read
        int total = all.values().stream().mapToInt(TreeSet::size).sum();
        assertThat(total).isEqualTo(8 + 8 + 8 + 1 + 8);
        assertThat(sum(versions, "invalid")).as("records counted invalid").isEqualTo(1.0);
        assertThat(sum(versions, "examples/consumed")).isEqualTo(total);
        assertThat(sum(versions, "retries/registry")).isGreaterThanOrEqualTo(3.0);
    }

    @Test
    void examplesAroundABrokerRestartAreEachInExactlyOneCommittedVersion() throws Exception {
        // given example topics with a first batch, and a trainer kept running by a supervisor that
        // starts a new incarnation whenever one fails (as a process manager would)
        String prefix = "brk" + UUID.randomUUID().toString().substring(0, 8) + ".";
        TopicNames names = TopicNames.defaults().withPrefix(prefix);
        Topics topics = new Topics(names, new InMemorySchemaRegistry());
        support.createTopics(names);
        support.produce(topics, "a", 12);
        TrainerConfig config = config(names, prefix);
        Supervisor supervisor = new Supervisor(config, topics);
        supervisor.start();
        try {
            Map<TopicPartition, TreeSet<Long>> firstBatch = support.committedExampleOffsets(names);
            await().atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(300))
                    .until(() -> !coveredOffsets(history(topics), firstBatch).isEmpty());

            // when the broker restarts mid-run and examples keep coming after it
            KAFKA.broker().stop();
            KAFKA.broker().start();
            support.produce(topics, "b", 12);

            // then the trainer absorbs them all
            Map<TopicPartition, TreeSet<Long>> all = support.committedExampleOffsets(names);
            await().atMost(Duration.ofSeconds(180))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> coveredOffsets(history(topics), all).equals(all));
        } finally {
            supervisor.stop();
        }

        // and each example offset is in exactly one committed version's lineage, counted once
        List<PolicyVersion> versions = history(topics).versions();
        Map<TopicPartition, TreeSet<Long>> all = support.committedExampleOffsets(names);
        assertEachInExactlyOneLineage(all, versions);
        int total = all.values().stream().mapToInt(TreeSet::size).sum();
        assertThat(total).isEqualTo(2 * (12 + 12));
        assertThat(sum(versions, "examples/consumed")).isEqualTo(total);
        assertThat(sum(versions, "invalid")).isZero();
    }

    /** Runs trainer incarnations one after another until stopped; a failed one is replaced. */
    private static final class Supervisor {
        private final TrainerConfig config;
        private final Topics topics;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicReference<OnlineTrainer> current = new AtomicReference<>();
        private final Thread thread;

        Supervisor(TrainerConfig config, Topics topics) {
            this.config = config;
            this.topics = topics;
            this.thread = new Thread(this::superviseLoop, "trainer-supervisor");
        }

        void start() {
            thread.start();
        }

        private void superviseLoop() {
            while (running.get()) {
                OnlineTrainer trainer = new OnlineTrainer(config, topics, PublishHooks.NONE);
                current.set(trainer);
                if (!running.get()) {
                    return;
                }
                try {
                    trainer.run();
                } catch (RuntimeException e) {
                    LoggerFactory.getLogger(Supervisor.class).warn("Trainer incarnation failed; starting another", e);
                }
            }
        }

        void stop() throws InterruptedException {
            running.set(false);
            OnlineTrainer trainer = current.get();
            if (trainer != null) {
                trainer.stop();
            }
            thread.join(60_000);
        }
    }

    private TrainerConfig config(TopicNames names, String prefix) {
        Map<String, String> p = support.trainerSettings(MODEL_ID, prefix, checkpoints, names);
        p.put("trainer.retry.backoff", "PT0.05S");
        p.put("trainer.retry.backoff.max", "PT0.5S");
        return TrainerConfigFactory.fromProperties(p);
    }

    private VersionHistory history(Topics topics) {
        return support.history(topics, MODEL_ID);
    }
}
