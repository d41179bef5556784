package io.streamrlhf.app.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.streamrlhf.app.dashboard.DashboardSnapshot.GroupLag;
import io.streamrlhf.schemas.embedded.EmbeddedKafkaBroker;
import io.streamrlhf.schemas.registry.InMemorySchemaRegistry;
import io.streamrlhf.schemas.topic.Topic;
import io.streamrlhf.schemas.topic.TopicNames;
import io.streamrlhf.schemas.topic.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The dashboard's Kafka side against a real broker: topic discovery, bad records, lag and rates. */
class DashboardFeedIT {

    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static EmbeddedKafkaBroker broker;
    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    private final TopicNames names = TopicNames.defaults().withPrefix("feed-" + UUID.randomUUID() + ".");
    private final Topics topics = new Topics(names, registry);

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedKafkaBroker.temporary().start();
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void picksUpTopicsCreatedAfterItStartedAndSkipsUndecodableRecords() throws Exception {
        try (Dashboard dashboard = new Dashboard(config(List.of())).start();
             KafkaProducer<byte[], byte[]> producer = producer()) {
            await().atMost(DEADLINE).until(() -> dashboard.snapshot().sources().kafka().equals("ok"));

            createTopics();
            producer.send(new ProducerRecord<>(names.policyVersions(), "not avro".getBytes(StandardCharsets.UTF_8)));
            send(producer, topics.policyVersions(), Records.MODEL, Records.version(0, Instant.now(), 0));
            send(producer, topics.trainerMetrics(), Records.MODEL,
                    Records.step(7, 0, Instant.now(), Map.of("loss/dpo", 0.5)));
            send(producer, topics.deadLetters(), new byte[0],
                    Records.deadLetter(names.feedback(), 3, "UNKNOWN_RESPONSE", "no such response", Instant.now()));

            await().atMost(DEADLINE).untilAsserted(() -> {
                DashboardSnapshot s = dashboard.snapshot();
                assertThat(s.versions()).extracting(DashboardSnapshot.VersionView::version).containsExactly(0L);
                assertThat(s.trainer().step()).isEqualTo(7);
                assertThat(s.deadLetters().total()).isEqualTo(1);
                assertThat(s.sources().undecodable()).isEqualTo(1);
            });
        }
    }

    @Test
    void showsLagOfTheWatchedGroupsAndEventRates() throws Exception {
        createTopics();
        String watched = "watched-" + UUID.randomUUID();
        String other = "other-" + UUID.randomUUID();
        TopicPartition responses = new TopicPartition(names.responses(), 0);
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            for (int i = 0; i < 50; i++) {
                producer.send(new ProducerRecord<>(names.responses(), new byte[] {1}));
            }
            producer.flush();
            commit(watched, responses, 20);
            commit(other, responses, 10);

            try (Dashboard dashboard = new Dashboard(config(List.of(watched))).start()) {
                await().atMost(DEADLINE).untilAsserted(() -> {
                    Map<String, GroupLag> lag = dashboard.snapshot().activity().lag();
                    assertThat(lag).containsOnlyKeys(watched);
                    assertThat(lag.get(watched).total()).isEqualTo(30);
                    assertThat(lag.get(watched).byTopic()).containsEntry(names.responses(), 30L);
                });

                for (int i = 0; i < 100; i++) {
                    producer.send(new ProducerRecord<>(names.responses(), new byte[] {1}));
                }
                producer.flush();

                await().atMost(DEADLINE).untilAsserted(() -> {
                    DashboardSnapshot s = dashboard.snapshot();
                    assertThat(s.activity().endOffsets()).containsEntry(names.responses(), 150L);
                    assertThat(s.activity().rates().get(names.responses()))
                            .anySatisfy(point -> assertThat(point[1]).isPositive());
                    assertThat(s.activity().lag().get(watched).total()).isEqualTo(130);
                });
            }
        }
    }

    private DashboardConfig config(List<String> groups) {
        return new DashboardConfig("127.0.0.1", 0, broker.bootstrapServers(), registry, names, Optional.empty(),
                groups, Duration.ofMillis(300), Duration.ofSeconds(2), Map.of());
    }

    private void createTopics() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            admin.createTopics(topics.all().stream().map(t -> new NewTopic(t.name(), 1, (short) 1)).toList())
                    .all().get(30, TimeUnit.SECONDS);
        }
    }

    private static KafkaProducer<byte[], byte[]> producer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static <K, V> void send(KafkaProducer<byte[], byte[]> producer, Topic<K, V> topic, K key, V value)
            throws Exception {
        producer.send(new ProducerRecord<>(topic.name(), topic.keySerde().serializer().serialize(topic.name(), key),
                topic.valueSerde().serializer().serialize(topic.name(), value))).get(30, TimeUnit.SECONDS);
    }

    private static void commit(String group, TopicPartition partition, long offset) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, group), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.commitSync(Map.of(partition, new OffsetAndMetadata(offset)));
        }
    }
}
