package io.streamrlhf.producers.erasure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.streamrlhf.avro.DpoPair;
import io.streamrlhf.avro.ErasedExample;
import io.streamrlhf.avro.ErasureReport;
import io.streamrlhf.avro.KtoExample;
import io.streamrlhf.avro.OffsetRange;
import io.streamrlhf.avro.PairSource;
import io.streamrlhf.avro.PolicyStatus;
import io.streamrlhf.avro.PolicyVersion;
import io.streamrlhf.avro.UserErased;
import io.streamrlhf.avro.VersionRef;
import io.streamrlhf.localstack.junit.EmbeddedKafkaExtension;
import io.streamrlhf.producers.config.KafkaConnection;
import io.streamrlhf.schemas.registry.SchemaRegistryClient;
import io.streamrlhf.schemas.topic.Topic;
import io.streamrlhf.schemas.topic.TopicLayout;
import io.streamrlhf.schemas.topic.TopicNames;
import io.streamrlhf.schemas.topic.TopicProvisioner;
import io.streamrlhf.schemas.topic.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The erasure reporter on a real broker: what a report names, and that each request is reported once. */
class ErasureReporterIT {

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    private static final String MODEL = "policy";
    private static final Instant T0 = Instant.parse("2026-12-07T10:00:00Z");

    private final SchemaRegistryClient registry = KAFKA.schemaRegistryClient();

    @Test
    void aReportNamesExactlyTheVersionsHoldingTheUsersExamplesAndTheUntrainedOnesAndIsWrittenOnce() throws Exception {
        // given: alice's and bob's examples, versions 1 and 2 committed, version 3 in an aborted transaction
        TopicNames names = TopicNames.defaults().withPrefix(KAFKA.uniquePrefix());
        Topics topics = new Topics(names, registry);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()))) {
            new TopicProvisioner(admin).ensure(TopicLayout.defaults().specs(names));
        }
        OffsetRange a1;
        OffsetRange a2;
        OffsetRange a3;
        OffsetRange b1;
        OffsetRange b2;
        OffsetRange pairAliceCarol;
        OffsetRange pairBob;
        try (KafkaProducer<String, KtoExample> kto = producer(topics.ktoExamples(), null);
                KafkaProducer<String, DpoPair> dpo = producer(topics.dpoPairs(), null)) {
            a1 = send(kto, topics.ktoExamples(), "kto-a1", kto("kto-a1", "alice"));
            b1 = send(kto, topics.ktoExamples(), "kto-b1", kto("kto-b1", "bob"));
            pairAliceCarol = send(dpo, topics.dpoPairs(), "pair-ac", pair("pair-ac", "alice", "carol"));
            a2 = send(kto, topics.ktoExamples(), "kto-a2", kto("kto-a2", "alice"));
            b2 = send(kto, topics.ktoExamples(), "kto-b2", kto("kto-b2", "bob"));
            pairBob = send(dpo, topics.dpoPairs(), "pair-b", pair("pair-b", "bob"));
            a3 = send(kto, topics.ktoExamples(), "kto-a3", kto("kto-a3", "alice"));
        }
        try (KafkaProducer<String, PolicyVersion> versions =
                producer(topics.policyVersions(), KAFKA.uniqueName("publisher"))) {
            versions.initTransactions();
            publish(versions, topics, version(1, a1, b1), true);
            publish(versions, topics, version(2, a2, pairAliceCarol, b2, pairBob), true);
            publish(versions, topics, version(3, a3), false);
        }
        ErasureReporterConfig config = ErasureReporterConfig.defaults(
                        KafkaConnection.of(KAFKA.bootstrapServers()).withTopics(names))
                .withIds(KAFKA.uniqueName("reporter"), KAFKA.uniqueName("reporter-tx"));
        List<Throwable> failures = new CopyOnWriteArrayList<>();

        // when: alice is erased
        try (ErasureReporter reporter = new ErasureReporter(config, registry).start(failures::add)) {
            erase(topics, "alice", "req-alice");

            // then
            ErasureReport report = awaitReports(topics, "alice", 1).get(0);
            assertThat(report.getRequestId()).isEqualTo("req-alice");
            assertThat(report.getVersions()).containsExactly(new VersionRef(MODEL, 1L), new VersionRef(MODEL, 2L));
            assertThat(report.getUntrainedExampleIds()).containsExactly("kto-a3");
            assertThat(report.getExamples())
                    .extracting(ErasedExample::getExampleId)
                    .containsExactlyInAnyOrder("kto-a1", "kto-a2", "kto-a3", "pair-ac");
            assertThat(report.getExamples())
                    .filteredOn(e -> e.getExampleId().equals("pair-ac"))
                    .singleElement()
                    .satisfies(e -> {
                        assertThat(e.getKind()).isEqualTo("DPO");
                        assertThat(e.getOffset()).isEqualTo(pairAliceCarol.getFromOffset());
                        assertThat(e.getVersions()).containsExactly(new VersionRef(MODEL, 2L));
                    });
            assertThat(report.getRetained())
                    .hasSize(6)
                    .allSatisfy(r -> assertThat(r.getEarliestOffset()).isZero());
            assertThat(report.getRetained())
                    .filteredOn(r -> r.getTopic().equals(names.ktoExamples()) && r.getPartition() == a3.getPartition())
                    .singleElement()
                    .satisfies(r -> {
                        assertThat(r.getEndOffset()).isGreaterThan(a3.getFromOffset());
                        assertThat(r.getEarliestTime()).isNotNull();
                    });
        }

        // and when: a new incarnation takes over and bob is erased
        try (ErasureReporter reporter = new ErasureReporter(config, registry).start(failures::add)) {
            erase(topics, "bob", "req-bob");
            ErasureReport bob = awaitReports(topics, "bob", 1).get(0);
            assertThat(bob.getExamples())
                    .extracting(ErasureExampleId::of)
                    .containsExactlyInAnyOrder("kto-b1", "kto-b2", "pair-b");
            assertThat(bob.getUntrainedExampleIds()).isEmpty();
        }

        // then: alice's request was reported exactly once, and nothing failed
        assertThat(awaitReports(topics, "alice", 1)).hasSize(1);
        assertThat(failures).isEmpty();
    }

    /** Reads an example id (a method reference keeps the assertion one line). */
    private static final class ErasureExampleId {
        static String of(ErasedExample e) {
            return e.getExampleId();
        }
    }

    private static KtoExample kto(String id, String user) {
        return KtoExample.newBuilder()
                .setExampleId(id)
                .setResponseId("r-" + id)
                .setUserId(user)
                .setPrompt("prompt")
                .setCompletion("completion")
                .setLabel(true)
                .setResponseTime(T0)
                .setFeedbackTime(T0)
                .build();
    }

    private static DpoPair pair(String id, String... users) {
        return DpoPair.newBuilder()
                .setPairId(id)
                .setPromptId("p")
                .setPrompt("prompt")
                .setChosen("yes")
                .setRejected("no")
                .setChosenResponseId("c-" + id)
                .setRejectedResponseId("r-" + id)
                .setSource(PairSource.HUMAN)
                .setEventTime(T0)
                .setUserIds(List.of(users))
                .build();
    }

    private static PolicyVersion version(long v, OffsetRange... lineage) {
        return PolicyVersion.newBuilder()
                .setModelId(MODEL)
                .setVersion(v)
                .setParentVersion(v - 1)
                .setCheckpointUri("file:///tmp/v" + v)
                .setSha256("00")
                .setCreatedTime(T0.plusSeconds(v))
                .setLineage(List.of(lineage))
                .setStatus(PolicyStatus.PUBLISHED)
                .build();
    }

    private static <V> KafkaProducer<String, V> producer(Topic<String, V> topic, String transactionalId) {
        Map<String, Object> props = new java.util.HashMap<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers(), ProducerConfig.ACKS_CONFIG, "all"));
        if (transactionalId != null) {
            props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        }
        return new KafkaProducer<>(
                props, topic.keySerde().serializer(), topic.valueSerde().serializer());
    }

    private static <V> OffsetRange send(KafkaProducer<String, V> producer, Topic<String, V> topic, String key, V value)
            throws Exception {
        RecordMetadata m =
                producer.send(new ProducerRecord<>(topic.name(), key, value)).get();
        return new OffsetRange(m.topic(), m.partition(), m.offset(), m.offset());
    }

    private static void publish(
            KafkaProducer<String, PolicyVersion> producer, Topics topics, PolicyVersion v, boolean commit) {
        producer.beginTransaction();
        producer.send(new ProducerRecord<>(topics.policyVersions().name(), MODEL, v));
        producer.flush();
        if (commit) {
            producer.commitTransaction();
        } else {
            producer.abortTransaction();
        }
    }

    private static void erase(Topics topics, String user, String requestId) throws Exception {
        try (KafkaProducer<String, UserErased> p = producer(topics.erasures(), null)) {
            p.send(new ProducerRecord<>(
                            topics.erasures().name(), user, new UserErased(user, T0.plusSeconds(60), requestId, null)))
                    .get();
        }
    }

    /** Every committed report for {@code user}, once at least {@code atLeast} are there (60 s deadline). */
    private static List<ErasureReport> awaitReports(Topics topics, String user, int atLeast) {
        Topic<String, ErasureReport> topic = topics.erasureReports();
        try (KafkaConsumer<String, ErasureReport> consumer = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        KAFKA.bootstrapServers(),
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                        "read_committed",
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                        false),
                topic.keySerde().deserializer(),
                topic.valueSerde().deserializer())) {
            List<TopicPartition> partitions = List.of(new TopicPartition(topic.name(), 0));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            List<ErasureReport> found = new ArrayList<>();
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (ConsumerRecord<String, ErasureReport> r : consumer.poll(Duration.ofMillis(200))) {
                    if (user.equals(r.key())) {
                        found.add(r.value());
                    }
                }
                return found.size() >= atLeast
                        && consumer.position(partitions.get(0))
                                >= consumer.endOffsets(partitions).get(partitions.get(0));
            });
            return found;
        }
    }
}
