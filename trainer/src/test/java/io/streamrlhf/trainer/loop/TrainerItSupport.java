package io.streamrlhf.trainer.loop;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrlhf.avro.CanaryDecision;
import io.streamrlhf.avro.DecisionOutcome;
import io.streamrlhf.avro.DpoPair;
import io.streamrlhf.avro.KtoExample;
import io.streamrlhf.avro.OffsetRange;
import io.streamrlhf.avro.PairSource;
import io.streamrlhf.avro.PolicyVersion;
import io.streamrlhf.localstack.junit.EmbeddedKafkaExtension;
import io.streamrlhf.schemas.registry.SchemaRegistryClient;
import io.streamrlhf.schemas.topic.TopicNames;
import io.streamrlhf.schemas.topic.Topics;
import io.streamrlhf.trainer.publish.VersionHistory;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * What the online trainer's integration tests share: a small trainer's settings, example topics and
 * examples, committed-offset reading and the lineage checks that prove each example is in exactly one
 * committed version.
 */
final class TrainerItSupport {

    /** Orders partitions by name so failure messages list them stably. */
    private static final Comparator<TopicPartition> BY_NAME = Comparator.comparing(TopicPartition::toString);

    private final Supplier<String> bootstrapServers;

    /** Asked on every use, since a broker restarted by a test may listen elsewhere. */
    TrainerItSupport(Supplier<String> bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
    }

    /** Settings for a tiny model that publishes often, reading and writing the prefixed topics. */
    Map<String, String> trainerSettings(String modelId, String prefix, Path checkpoints, TopicNames names) {
        Map<String, String> p = new HashMap<>();
        p.put("bootstrap.servers", bootstrapServers.get());
        p.put("trainer.model.id", modelId);
        p.put("trainer.group.id", prefix + "trainer");
        p.put("trainer.transactional.id", prefix + "trainer-tx");
        p.put("trainer.checkpoint.dir", checkpoints.toString());
        p.put("trainer.model.layers", "1");
        p.put("trainer.model.width", "32");
        p.put("trainer.model.heads", "2");
        p.put("trainer.model.context", "64");
        p.put("trainer.kto.batch.size", "4");
        p.put("trainer.dpo.batch.size", "4");
        p.put("trainer.publish.every.steps", "2");
        p.put("trainer.publish.every", "PT1S");
        p.put("trainer.poll.timeout", "PT0.1S");
        p.put("trainer.max.poll.records", "6");
        p.put("topic.kto.examples", names.ktoExamples());
        p.put("topic.dpo.pairs", names.dpoPairs());
        p.put("topic.policy.versions", names.policyVersions());
        p.put("topic.trainer.metrics", names.trainerMetrics());
        return p;
    }

    /** Two partitions per example topic, one for versions and metrics. */
    void createTopics(TopicNames names) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers.get()))) {
            admin.createTopics(List.of(
                            new NewTopic(names.ktoExamples(), 2, (short) 1),
                            new NewTopic(names.dpoPairs(), 2, (short) 1),
                            new NewTopic(names.policyVersions(), 1, (short) 1),
                            new NewTopic(names.trainerMetrics(), 1, (short) 1)))
                    .all()
                    .get();
        }
    }

    /** The example, version and metrics topics under {@code prefix}, created, with serdes on {@code registry}. */
    Topics createTopics(String prefix, SchemaRegistryClient registry) throws Exception {
        Topics topics = new Topics(TopicNames.defaults().withPrefix(prefix), registry);
        createTopics(topics.names());
        return topics;
    }

    /** Writes {@code count} KTO examples and as many DPO pairs, alternating between two partitions. */
    void produce(Topics topics, String idPrefix, int count) {
        for (int i = 0; i < count; i++) {
            send(
                    topics.ktoExamples().name(),
                    i % 2,
                    topics.ktoExamples()
                            .valueSerde()
                            .serializer()
                            .serialize(topics.ktoExamples().name(), kto(idPrefix + i, i)));
            send(
                    topics.dpoPairs().name(),
                    i % 2,
                    topics.dpoPairs()
                            .valueSerde()
                            .serializer()
                            .serialize(topics.dpoPairs().name(), dpo(idPrefix + i, i)));
        }
    }

    /** Writes one record as it is, outside any transaction. */
    void send(String topic, int partition, byte[] value) {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers.get());
        try (KafkaProducer<String, byte[]> producer =
                new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, partition, "k", value));
        }
    }

    /** A KTO example whose label is true for even {@code i}, with a right answer then. */
    static KtoExample kto(String id, int i) {
        Instant now = Instant.now();
        int a = i % 10;
        return KtoExample.newBuilder()
                .setExampleId(id)
                .setResponseId("r" + id)
                .setPrompt("What is " + a + "+1?")
                .setCompletion(i % 2 == 0 ? "" + (a + 1) : "" + a)
                .setLabel(i % 2 == 0)
                .setPolicyVersion(0)
                .setResponseTime(now)
                .setFeedbackTime(now)
                .build();
    }

    /** A judged DPO pair with a right chosen answer and a wrong rejected one. */
    static DpoPair dpo(String id, int i) {
        int a = i % 10;
        return DpoPair.newBuilder()
                .setPairId(id)
                .setPromptId("q" + a)
                .setPrompt("What is " + a + "+2?")
                .setChosen("" + (a + 2))
                .setRejected("" + (a + 3))
                .setChosenResponseId("c" + id)
                .setRejectedResponseId("x" + id)
                .setSource(PairSource.JUDGE)
                .setEventTime(Instant.now())
                .build();
    }

    /** The offsets of every committed KTO example and DPO pair, per partition. */
    Map<TopicPartition, TreeSet<Long>> committedExampleOffsets(TopicNames names) {
        Map<TopicPartition, TreeSet<Long>> out = new TreeMap<>(BY_NAME);
        for (String topic : List.of(names.ktoExamples(), names.dpoPairs())) {
            for (ConsumerRecord<byte[], byte[]> r : readCommitted(topic)) {
                out.computeIfAbsent(new TopicPartition(r.topic(), r.partition()), k -> new TreeSet<>())
                        .add(r.offset());
            }
        }
        return out;
    }

    /** Every committed record of a topic, from the beginning to its end offsets now. */
    List<ConsumerRecord<byte[], byte[]>> readCommitted(String topic) {
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers.get());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = new ArrayList<>();
            for (PartitionInfo info : c.partitionsFor(topic)) {
                parts.add(new TopicPartition(topic, info.partition()));
            }
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    /** The committed versions of a model, read from the versions topic. */
    VersionHistory history(Topics topics, String modelId) {
        return VersionHistory.read(bootstrapServers.get(), topics.policyVersions(), modelId, Duration.ofSeconds(30));
    }

    /** Those of {@code examples} that some version's lineage already covers. */
    static Map<TopicPartition, TreeSet<Long>> coveredOffsets(
            VersionHistory history, Map<TopicPartition, TreeSet<Long>> examples) {
        Map<TopicPartition, TreeSet<Long>> covered = new TreeMap<>(BY_NAME);
        examples.forEach((tp, offsets) -> offsets.forEach(offset -> {
            boolean inLineage = history.versions().stream()
                    .flatMap(v -> v.getLineage().stream())
                    .anyMatch(r -> r.getTopic().equals(tp.topic())
                            && r.getPartition() == tp.partition()
                            && r.getFromOffset() <= offset
                            && offset <= r.getToOffset());
            if (inLineage) {
                covered.computeIfAbsent(tp, k -> new TreeSet<>()).add(offset);
            }
        }));
        return covered;
    }

    /** The lineage ranges of all versions as {from, to} pairs, per partition. */
    static Map<TopicPartition, List<long[]>> lineageRanges(List<PolicyVersion> versions) {
        Map<TopicPartition, List<long[]>> ranges = new HashMap<>();
        for (PolicyVersion v : versions) {
            for (OffsetRange r : v.getLineage()) {
                ranges.computeIfAbsent(new TopicPartition(r.getTopic(), r.getPartition()), k -> new ArrayList<>())
                        .add(new long[] {r.getFromOffset(), r.getToOffset()});
            }
        }
        return ranges;
    }

    /** Asserts that each example offset lies in exactly one version's lineage: no gap, no double count. */
    static void assertEachInExactlyOneLineage(
            Map<TopicPartition, TreeSet<Long>> examples, List<PolicyVersion> versions) {
        Map<TopicPartition, List<long[]>> ranges = lineageRanges(versions);
        examples.forEach((tp, offsets) ->
                offsets.forEach(offset -> assertThat(ranges.getOrDefault(tp, List.of()).stream()
                                .filter(r -> r[0] <= offset && offset <= r[1])
                                .count())
                        .as("versions absorbing %s@%d", tp, offset)
                        .isEqualTo(1)));
    }

    /** Runs {@code trainer} on a new, started thread; whatever it throws is kept in {@code failure}. */
    static Thread startTrainer(OnlineTrainer trainer, String threadName, AtomicReference<Throwable> failure) {
        Thread thread = new Thread(
                () -> {
                    try {
                        trainer.run();
                    } catch (Throwable t) {
                        failure.set(t);
                    }
                },
                threadName);
        thread.start();
        return thread;
    }

    /** A metric added up over all versions, 0 where a version lacks it. */
    static double sum(List<PolicyVersion> versions, String metric) {
        return versions.stream()
                .mapToDouble(v -> v.getMetrics().getOrDefault(metric, 0.0))
                .sum();
    }

    /** Writes a decision as the canary controller does (its own transaction, keyed by model id). */
    static void writeDecision(
            EmbeddedKafkaExtension kafka, Topics topics, String model, long version, DecisionOutcome outcome) {
        Map<String, Object> p = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                kafka.bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG,
                kafka.uniqueName("controller"));
        Instant now = Instant.now();
        CanaryDecision d = CanaryDecision.newBuilder()
                .setDecisionId(model + "/" + version + "/" + outcome)
                .setModelId(model)
                .setVersion(version)
                .setOutcome(outcome)
                .setReason("test")
                .setStartedTime(now)
                .setDecidedTime(now)
                .build();
        try (KafkaProducer<String, CanaryDecision> producer = new KafkaProducer<>(
                p, new StringSerializer(), topics.policyDecisions().valueSerde().serializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topics.names().policyDecisions(), model, d));
            producer.commitTransaction();
        }
    }
}
