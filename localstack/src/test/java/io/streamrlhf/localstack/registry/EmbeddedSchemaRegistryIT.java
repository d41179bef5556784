package io.streamrlhf.localstack.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.streamrlhf.avro.Feedback;
import io.streamrlhf.avro.ResponseGenerated;
import io.streamrlhf.localstack.broker.EmbeddedKafkaBroker;
import io.streamrlhf.schemas.registry.CompatibilityLevel;
import io.streamrlhf.schemas.registry.RegisteredSchema;
import io.streamrlhf.schemas.registry.RestSchemaRegistryClient;
import io.streamrlhf.schemas.registry.SchemaRegistryException;
import io.streamrlhf.schemas.serde.AvroDeserializer;
import io.streamrlhf.schemas.serde.AvroSerializer;
import io.streamrlhf.schemas.serde.SampleRecords;
import io.streamrlhf.schemas.serde.WireFormat;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Kafka-backed registry on a real broker: persistence across restarts, and records surviving evolution. */
class EmbeddedSchemaRegistryIT {

    @TempDir
    static Path brokerDir;

    private static EmbeddedKafkaBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedKafkaBroker.persistent(brokerDir, Map.of()).start();
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @Test
    void restartOfRegistryAndBrokerKeepsEveryIdVersionAndLevel() throws Exception {
        // given: a registry with shared ids, two versions and levels at both scopes
        String topic = "_schemas-" + UUID.randomUUID();
        Schema incompatible = SchemaBuilder.record("ResponseGenerated")
                .fields()
                .requiredInt("x")
                .endRecord();
        int feedbackId;
        int responseId;
        int incompatibleId;
        try (EmbeddedSchemaRegistry registry = kafkaBacked(topic).start()) {
            RestSchemaRegistryClient client = new RestSchemaRegistryClient(registry.url());
            feedbackId = client.register("f-value", Feedback.getClassSchema());
            responseId = client.register("r-value", ResponseGenerated.getClassSchema());
            assertThat(client.register("g-value", Feedback.getClassSchema())).isEqualTo(feedbackId);
            client.setCompatibility(null, CompatibilityLevel.FULL);
            client.setCompatibility("r-value", CompatibilityLevel.NONE);
            incompatibleId = client.register("r-value", incompatible);
        }

        // when
        broker.stop();
        broker.start();

        // then
        try (EmbeddedSchemaRegistry registry = kafkaBacked(topic).start()) {
            RestSchemaRegistryClient client = new RestSchemaRegistryClient(registry.url());
            assertThat(client.subjects()).containsExactlyInAnyOrder("f-value", "g-value", "r-value");
            assertThat(client.getById(feedbackId)).isEqualTo(Feedback.getClassSchema());
            assertThat(client.getById(responseId)).isEqualTo(ResponseGenerated.getClassSchema());
            assertThat(client.latest("g-value"))
                    .isEqualTo(new RegisteredSchema("g-value", 1, feedbackId, Feedback.getClassSchema()));
            assertThat(client.versions("r-value")).containsExactly(1, 2);
            assertThat(client.version("r-value", 2).id()).isEqualTo(incompatibleId);
            assertThat(client.compatibility(null)).isEqualTo(CompatibilityLevel.FULL);
            assertThat(client.compatibility("r-value")).isEqualTo(CompatibilityLevel.NONE);
            assertThat(client.compatibility("f-value")).isEqualTo(CompatibilityLevel.FULL);
            // the same schema keeps its id; a new one never reuses an old id
            assertThat(client.register("f-value", Feedback.getClassSchema())).isEqualTo(feedbackId);
            int next = client.register(
                    "new-value",
                    SchemaBuilder.record("N").fields().requiredLong("n").endRecord());
            assertThat(next).isGreaterThan(Math.max(feedbackId, Math.max(responseId, incompatibleId)));
        }
        try (Admin admin = admin()) {
            TopicDescription description =
                    admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            assertThat(description.partitions()).hasSize(1);
            assertThat(admin.describeConfigs(List.of(resource))
                            .all()
                            .get()
                            .get(resource)
                            .get("cleanup.policy")
                            .value())
                    .isEqualTo("compact");
        }
    }

    @Test
    void concurrentRegistrationsGetDistinctIdsThatSurviveARestart() throws Exception {
        // given
        String topic = "_schemas-" + UUID.randomUUID();
        List<Schema> schemas = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            schemas.add(
                    SchemaBuilder.record("C" + i).fields().requiredString("f").endRecord());
        }
        Map<Schema, Integer> ids = new HashMap<>();
        try (EmbeddedSchemaRegistry registry = kafkaBacked(topic).start()) {
            RestSchemaRegistryClient client = new RestSchemaRegistryClient(registry.url());
            client.setCompatibility("c-value", CompatibilityLevel.NONE);
            ExecutorService pool = Executors.newFixedThreadPool(6);
            try {
                List<Callable<Integer>> calls = schemas.stream()
                        .<Callable<Integer>>map(s -> () -> client.register("c-value", s))
                        .toList();
                List<Future<Integer>> results = pool.invokeAll(calls);
                for (int i = 0; i < schemas.size(); i++) {
                    ids.put(schemas.get(i), results.get(i).get());
                }
            } finally {
                pool.shutdownNow();
            }
        }
        assertThat(ids.values()).doesNotHaveDuplicates().hasSize(12);

        // when
        try (EmbeddedSchemaRegistry registry = kafkaBacked(topic).start()) {
            RestSchemaRegistryClient client = new RestSchemaRegistryClient(registry.url());

            // then
            assertThat(client.versions("c-value"))
                    .containsExactlyElementsOf(java.util.stream.IntStream.rangeClosed(1, 12)
                            .boxed()
                            .toList());
            for (Schema schema : schemas) {
                assertThat(client.lookup("c-value", schema)).isEqualTo(ids.get(schema));
                assertThat(client.getById(ids.get(schema))).isEqualTo(schema);
            }
        }
    }

    @Test
    void existingTopicThatCompactionWouldNotKeepOrThatHasSeveralPartitionsIsRefused() throws Exception {
        // given
        String deleting = "_schemas-delete-" + UUID.randomUUID();
        String partitioned = "_schemas-parts-" + UUID.randomUUID();
        try (Admin admin = admin()) {
            admin.createTopics(List.of(
                            new NewTopic(deleting, 1, (short) 1).configs(Map.of("cleanup.policy", "delete")),
                            new NewTopic(partitioned, 3, (short) 1).configs(Map.of("cleanup.policy", "compact"))))
                    .all()
                    .get();
        }

        // when / then
        assertThatThrownBy(() -> kafkaBacked(deleting).start())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cleanup.policy=delete")
                .hasMessageContaining("compact");
        assertThatThrownBy(() -> kafkaBacked(partitioned).start())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("3 partitions");
    }

    @Test
    void recordWrittenBeforeACompatibleSchemaChangeIsReadAfterIt() throws Exception {
        // given: a v1 Feedback on a real topic
        String schemasTopic = "_schemas-" + UUID.randomUUID();
        String topic = "feedback-" + UUID.randomUUID();
        try (EmbeddedSchemaRegistry registry = kafkaBacked(schemasTopic).start()) {
            RestSchemaRegistryClient client = new RestSchemaRegistryClient(registry.url());
            produce(
                    topic,
                    new AvroSerializer<>(client, Feedback.getClassSchema(), false, true),
                    SampleRecords.feedback("before"));

            // when: v2 (an added defaulted field) is registered and written, and the registry restarts
            io.streamrlhf.schemas.serde.evolution.Feedback v2 = new io.streamrlhf.schemas.serde.evolution.Feedback()
                    .with("feedbackId", "after")
                    .with("responseId", "r")
                    .with("userId", "u")
                    .with("kind", io.streamrlhf.avro.FeedbackKind.THUMBS_UP)
                    .with("comment", null)
                    .with("eventTime", Instant.ofEpochMilli(7))
                    .with("channel", "mobile");
            produce(
                    topic,
                    new AvroSerializer<>(client, io.streamrlhf.schemas.serde.evolution.Feedback.SCHEMA$, false, true),
                    v2);
            assertThat(client.versions(WireFormat.valueSubject(topic))).containsExactly(1, 2);
        }
        try (EmbeddedSchemaRegistry registry = kafkaBacked(schemasTopic).start()) {
            RestSchemaRegistryClient client = new RestSchemaRegistryClient(registry.url());
            List<byte[]> values = consumeValues(topic, 2);

            // then: the new reader reads the old record with the default, the old reader reads both
            AvroDeserializer<io.streamrlhf.schemas.serde.evolution.Feedback> newReader =
                    new AvroDeserializer<>(client, io.streamrlhf.schemas.serde.evolution.Feedback.SCHEMA$);
            io.streamrlhf.schemas.serde.evolution.Feedback oldAsNew = newReader.deserialize(topic, values.get(0));
            assertThat(oldAsNew.get("feedbackId")).isEqualTo("before");
            assertThat(oldAsNew.get("channel")).isEqualTo("web");
            assertThat(oldAsNew.get("comment"))
                    .isEqualTo(SampleRecords.feedback("before").getComment());
            assertThat(newReader.deserialize(topic, values.get(1)).get("channel"))
                    .isEqualTo("mobile");
            AvroDeserializer<Feedback> oldReader = new AvroDeserializer<>(client, Feedback.getClassSchema());
            assertThat(oldReader.deserialize(topic, values.get(0))).isEqualTo(SampleRecords.feedback("before"));
            assertThat(oldReader.deserialize(topic, values.get(1)).getFeedbackId())
                    .isEqualTo("after");
        }
    }

    @Test
    void deletesAreRecordsOnTheLogThatARestartedRegistryReplays() throws Exception {
        // given: three versions; the first soft-deleted, the second soft- then permanently deleted
        String topic = "_schemas-" + UUID.randomUUID();
        Schema v2 = SchemaBuilder.record("D")
                .fields()
                .requiredString("a")
                .optionalInt("b")
                .endRecord();
        Schema v3 = SchemaBuilder.record("D")
                .fields()
                .requiredString("a")
                .optionalInt("b")
                .optionalLong("c")
                .endRecord();
        int id1;
        int id2;
        try (EmbeddedSchemaRegistry registry = kafkaBacked(topic).start()) {
            id1 = registry.registry()
                    .register(
                            "d-value",
                            SchemaBuilder.record("D")
                                    .fields()
                                    .requiredString("a")
                                    .endRecord());
            id2 = registry.registry().register("d-value", v2);
            registry.registry().register("d-value", v3);
            registry.registry().deleteVersion("d-value", 1, false);
            registry.registry().deleteVersion("d-value", 2, false);
            registry.registry().deleteVersion("d-value", 2, true);
        }

        // when
        try (EmbeddedSchemaRegistry registry = kafkaBacked(topic).start()) {
            // then
            assertThat(registry.registry().versions("d-value")).containsExactly(3);
            assertThat(registry.registry().versions("d-value", true)).containsExactly(1, 3);
            assertThat(registry.registry().isSoftDeleted("d-value", 1)).isTrue();
            assertThat(registry.registry().getById(id1).getFields()).hasSize(1);
            assertThatThrownBy(() -> registry.registry().getById(id2)).hasMessageContaining("not found");
        }
    }

    @Test
    void aSecondInstanceOnTheSameLogFencesTheFirstSoNoSchemaGetsTwoIds() throws Exception {
        // given: instance A is the writer and has registered x
        String topic = "_schemas-" + UUID.randomUUID();
        Schema x = SchemaBuilder.record("X").fields().requiredString("a").endRecord();
        Schema y = SchemaBuilder.record("Y").fields().requiredString("b").endRecord();
        try (EmbeddedSchemaRegistry a = kafkaBacked(topic).start()) {
            int xId = a.registry().register("x-value", x);

            // when: instance B starts on the same log
            try (EmbeddedSchemaRegistry b = kafkaBacked(topic).start()) {
                // then: A may no longer assign ids, over HTTP neither
                assertThatThrownBy(() -> a.registry().register("y-value", y))
                        .isInstanceOfSatisfying(
                                SchemaRegistryException.class,
                                e -> assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.UNKNOWN_LEADER));
                try (RestSchemaRegistryClient viaA = new RestSchemaRegistryClient(a.url())) {
                    assertThatThrownBy(() -> viaA.register("y-value", y))
                            .isInstanceOfSatisfying(
                                    SchemaRegistryException.class,
                                    e -> assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.UNKNOWN_LEADER));
                }
                // and B knows A's id and hands out the next one
                assertThat(b.registry().register("x-other-value", x)).isEqualTo(xId);
                int yId = b.registry().register("y-value", y);
                assertThat(yId).isNotEqualTo(xId);
                assertThat(b.registry().getById(xId)).isEqualTo(x);
                b.registry().setCompatibility("x-value", CompatibilityLevel.NONE);

                // and the fenced A follows the log read-only: it serves what B wrote, by id and by subject,
                // and B's level changes, while still refusing changes of its own
                try (RestSchemaRegistryClient viaA = new RestSchemaRegistryClient(a.url())) {
                    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                        assertThat(viaA.getById(yId)).isEqualTo(y);
                        assertThat(a.registry().latest("y-value").id()).isEqualTo(yId);
                        assertThat(a.registry().ownCompatibility("x-value")).isEqualTo(CompatibilityLevel.NONE);
                    });
                    b.registry().deleteCompatibility("x-value");
                    await().atMost(Duration.ofSeconds(30))
                            .untilAsserted(() -> assertThat(a.registry().ownCompatibility("x-value"))
                                    .isNull());
                    assertThatThrownBy(() -> viaA.register("z-value", x))
                            .isInstanceOfSatisfying(
                                    SchemaRegistryException.class,
                                    e -> assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.UNKNOWN_LEADER));
                }
                assertThat(((KafkaBackedSchemaRegistry) a.registry()).fenced()).isTrue();
            }
        }
        // and a restart reads exactly one id per schema
        try (EmbeddedSchemaRegistry c = kafkaBacked(topic).start()) {
            assertThat(c.registry().subjects()).containsExactly("x-other-value", "x-value", "y-value");
            assertThat(c.registry().latest("x-value").id())
                    .isEqualTo(c.registry().latest("x-other-value").id());
            assertThat(c.registry().latest("y-value").id())
                    .isNotEqualTo(c.registry().latest("x-value").id());
            // the deleted level's tombstone is replayed too
            assertThat(c.registry().ownCompatibility("x-value")).isNull();
        }
    }

    private static EmbeddedSchemaRegistry kafkaBacked(String topic) {
        return EmbeddedSchemaRegistry.kafkaBacked(
                EmbeddedSchemaRegistry.Config.loopback(),
                new KafkaBackedSchemaRegistry.Config(
                        broker.bootstrapServers(), topic, Duration.ofSeconds(20), Map.of()));
    }

    private static Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
    }

    private static <T> void produce(
            String topic, org.apache.kafka.common.serialization.Serializer<T> serializer, T value) throws Exception {
        Map<String, Object> props = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(), ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, T> producer = new KafkaProducer<>(props, new StringSerializer(), serializer)) {
            producer.send(new ProducerRecord<>(topic, "k", value)).get();
        }
    }

    private static List<byte[]> consumeValues(String topic, int count) {
        Map<String, Object> props = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG,
                "g-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest");
        List<byte[]> values = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
                return values.size() >= count;
            });
        }
        return values;
    }
}
