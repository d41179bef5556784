package io.streamrlhf.trainer.loop;

import static io.streamrlhf.trainer.loop.TrainerItSupport.assertEachInExactlyOneLineage;
import static io.streamrlhf.trainer.loop.TrainerItSupport.coveredOffsets;
import static io.streamrlhf.trainer.loop.TrainerItSupport.dpo;
import static io.streamrlhf.trainer.loop.TrainerItSupport.kto;
import static io.streamrlhf.trainer.loop.TrainerItSupport.lineageRanges;
import static io.streamrlhf.trainer.loop.TrainerItSupport.startTrainer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.streamrlhf.avro.DpoPair;
import io.streamrlhf.avro.KtoExample;
import io.streamrlhf.avro.PolicyStatus;
import io.streamrlhf.avro.PolicyVersion;
import io.streamrlhf.avro.TrainerMetrics;
import io.streamrlhf.localstack.junit.EmbeddedKafkaExtension;
import io.streamrlhf.schemas.topic.Topic;
import io.streamrlhf.schemas.topic.Topics;
import io.streamrlhf.trainer.checkpoint.LocalCheckpointStore;
import io.streamrlhf.trainer.config.TrainerConfig;
import io.streamrlhf.trainer.config.TrainerConfigFactory;
import io.streamrlhf.trainer.publish.PublishHooks;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Exactly-once resume of the online trainer on the embedded broker, with crashes injected. */
class OnlineTrainerIT {

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    private static final String MODEL_ID = "itmodel";

    private final TrainerItSupport support = new TrainerItSupport(KAFKA::bootstrapServers);

    @TempDir
    Path checkpoints;

    /** Thrown from a hook: the trainer dies at that point without cleaning up its transaction. */
    static final class SimulatedCrash extends RuntimeException {
        private static final long serialVersionUID = 1L;

        SimulatedCrash(String where) {
            super("simulated crash " + where);
        }
    }

    @Test
    void lineagesOfCommittedVersionsCoverEveryExampleExactlyOnceAcrossCrashes() throws Exception {
        // given examples produced transactionally on two partitions per topic, plus an aborted batch
        String prefix = KAFKA.uniquePrefix();
        Topics topics = support.createTopics(prefix, KAFKA.schemaRegistryClient());
        produceExamples(topics, 24, 16);
        TrainerConfig config = config(topics, prefix);

        // when the trainer is killed mid-batch, after a checkpoint write, before and after a commit
        AtomicBoolean fired = new AtomicBoolean();
        runUntilCrash(config, topics, new PublishHooks() {
            @Override
            public void afterStep(long step) {
                if (step == 3) {
                    throw new SimulatedCrash("mid-batch after step 3");
                }
            }
        });
        runUntilCrash(config, topics, new PublishHooks() {
            @Override
            public void afterCheckpointWritten(long version) {
                throw new SimulatedCrash("after checkpoint of version " + version);
            }
        });
        runUntilCrash(config, topics, new PublishHooks() {
            @Override
            public void beforeCommit(long version) {
                throw new SimulatedCrash("before commit of version " + version);
            }
        });
        runUntilCrash(config, topics, new PublishHooks() {
            @Override
            public void afterCommit(long version) {
                if (version > 0 && fired.compareAndSet(false, true)) {
                    throw new SimulatedCrash("right after commit of version " + version);
                }
            }
        });
        // and finally runs undisturbed until everything is absorbed
        Map<TopicPartition, TreeSet<Long>> exampleOffsets = support.committedExampleOffsets(topics.names());
        OnlineTrainer last = new OnlineTrainer(config, topics, PublishHooks.NONE);
        Thread thread = new Thread(last::run, "trainer-final");
        thread.start();
        try {
            await().atMost(Duration.ofSeconds(180))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> coveredOffsets(support.history(topics, MODEL_ID), exampleOffsets)
                            .equals(exampleOffsets));
        } finally {
            last.stop();
            thread.join(30_000);
        }

        // then versions are 0..n, each the child of the previous, and lineages never overlap
        List<PolicyVersion> versions = support.history(topics, MODEL_ID).versions();
        assertThat(versions).extracting(PolicyVersion::getVersion).containsExactlyElementsOf(rangeOf(versions.size()));
        assertThat(versions.get(0).getStatus()).isEqualTo(PolicyStatus.WARM_START);
        for (int i = 1; i < versions.size(); i++) {
            assertThat(versions.get(i).getParentVersion()).isEqualTo((long) i - 1);
            assertThat(versions.get(i).getStatus()).isEqualTo(PolicyStatus.PUBLISHED);
        }
        Map<TopicPartition, List<long[]>> ranges = lineageRanges(versions);
        ranges.forEach((tp, list) -> {
            list.sort((a, b) -> Long.compare(a[0], b[0]));
            for (int i = 1; i < list.size(); i++) {
                assertThat(list.get(i)[0]).as("ranges on %s overlap", tp).isGreaterThan(list.get(i - 1)[1]);
            }
        });
        // every example offset is in exactly one version's lineage (no gap, no double count)
        assertEachInExactlyOneLineage(exampleOffsets, versions);
        // per-step metrics are exactly once too: each step number appears once
        List<Long> steps = readAll(topics.trainerMetrics()).stream()
                .map(TrainerMetrics::getStep)
                .toList();
        assertThat(steps).doesNotHaveDuplicates().isNotEmpty();
        assertThat(steps).containsExactlyElementsOf(rangeFrom1(steps.size()));
        java.util.Set<String> keys = new java.util.HashSet<>();
        readAll(topics.trainerMetrics()).forEach(m -> keys.addAll(m.getMetrics().keySet()));
        assertThat(keys)
                .contains(
                        "loss/kto",
                        "loss/dpo",
                        "rewards/margins",
                        "rewards/accuracies",
                        "kl",
                        "tokens_per_s",
                        "examples_per_s",
                        "staleness/mean");
        // only committed checkpoints are left, and each verifies against its version's hash
        LocalCheckpointStore store = new LocalCheckpointStore(checkpoints);
        assertThat(store.list())
                .extracting(URI::toString)
                .containsExactlyInAnyOrderElementsOf(
                        versions.stream().map(PolicyVersion::getCheckpointUri).toList());
        for (PolicyVersion v : versions) {
            assertThat(store.read(URI.create(v.getCheckpointUri()), v.getSha256())
                            .version())
                    .isEqualTo(v.getVersion());
        }
    }

    private void runUntilCrash(TrainerConfig config, Topics topics, PublishHooks hooks) throws InterruptedException {
        OnlineTrainer trainer = new OnlineTrainer(config, topics, hooks);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread thread = startTrainer(trainer, "trainer-crashing", failure);
        await().atMost(Duration.ofSeconds(180)).until(() -> !thread.isAlive());
        assertThat(failure.get()).isInstanceOf(SimulatedCrash.class);
        assertThat(trainer.state()).isEqualTo(OnlineTrainer.State.FAILED);
    }

    private TrainerConfig config(Topics topics, String prefix) {
        return TrainerConfigFactory.fromProperties(
                support.trainerSettings(MODEL_ID, prefix, checkpoints, topics.names()));
    }

    private static void produceExamples(Topics topics, int kto, int dpo) {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, KAFKA.uniqueName("it-producer"));
        Instant now = Instant.now();
        try (KafkaProducer<String, KtoExample> ktoProducer = new KafkaProducer<>(
                p, new StringSerializer(), topics.ktoExamples().valueSerde().serializer())) {
            ktoProducer.initTransactions();
            for (int i = 0; i < kto; i++) {
                if (i % 8 == 0) {
                    ktoProducer.beginTransaction();
                }
                KtoExample e = kto("k" + i, i);
                ktoProducer.send(new ProducerRecord<>(topics.ktoExamples().name(), i % 2, e.getExampleId(), e));
                if (i % 8 == 7) {
                    ktoProducer.commitTransaction();
                }
            }
            // an aborted batch: never visible to read_committed, never in any lineage count
            ktoProducer.beginTransaction();
            for (int i = 0; i < 3; i++) {
                KtoExample e = KtoExample.newBuilder()
                        .setExampleId("aborted" + i)
                        .setResponseId("x")
                        .setPrompt("x")
                        .setCompletion("y")
                        .setLabel(true)
                        .setResponseTime(now)
                        .setFeedbackTime(now)
                        .build();
                ktoProducer.send(new ProducerRecord<>(topics.ktoExamples().name(), i % 2, "aborted", e));
            }
            ktoProducer.abortTransaction();
        }
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, KAFKA.uniqueName("it-producer"));
        try (KafkaProducer<String, DpoPair> dpoProducer = new KafkaProducer<>(
                p, new StringSerializer(), topics.dpoPairs().valueSerde().serializer())) {
            dpoProducer.initTransactions();
            dpoProducer.beginTransaction();
            for (int i = 0; i < dpo; i++) {
                DpoPair pair = dpo("d" + i, i);
                dpoProducer.send(new ProducerRecord<>(topics.dpoPairs().name(), i % 2, pair.getPairId(), pair));
            }
            dpoProducer.commitTransaction();
        }
    }

    private <V> List<V> readAll(Topic<String, V> topic) {
        List<V> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : support.readCommitted(topic.name())) {
            out.add(topic.valueSerde().deserializer().deserialize(topic.name(), r.value()));
        }
        return out;
    }

    private static List<Long> rangeOf(int n) {
        List<Long> out = new ArrayList<>();
        for (long i = 0; i < n; i++) {
            out.add(i);
        }
        return out;
    }

    private static List<Long> rangeFrom1(int n) {
        List<Long> out = new ArrayList<>();
        for (long i = 1; i <= n; i++) {
            out.add(i);
        }
        return out;
    }
}
