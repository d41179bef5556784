package io.streamrlhf.app.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.streamrlhf.app.dashboard.DashboardSnapshot.GroupLag;
import io.streamrlhf.localstack.junit.EmbeddedKafkaExtension;
import io.streamrlhf.schemas.registry.InMemorySchemaRegistry;
import io.streamrlhf.schemas.topic.TopicNames;
import io.streamrlhf.schemas.topic.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The dashboard's Kafka side against a real broker: topic discovery, bad records, lag and rates. */
class DashboardFeedIT {

    private static final Duration DEADLINE = Duration.ofSeconds(60);

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    private final TopicNames names = TopicNames.defaults().withPrefix("feed-" + UUID.randomUUID() + ".");
    private final Topics topics = new Topics(names, registry);

    @Test
    void picksUpTopicsCreatedAfterItStartedAndSkipsUndecodableRecords() throws Exception {
        try (Dashboard dashboard = new Dashboard(config(List.of())).start();
                KafkaProducer<byte[], byte[]> producer = TestKafka.producer(KAFKA.bootstrapServers())) {
            await().atMost(DEADLINE)
                    .until(() -> dashboard.snapshot().sources().kafka().equals("ok"));

            TestKafka.createTopics(KAFKA.bootstrapServers(), topics);
            producer.send(new ProducerRecord<>(names.policyVersions(), "not avro".getBytes(StandardCharsets.UTF_8)));
            TestKafka.send(producer, topics.policyVersions(), Records.MODEL, Records.version(0, Instant.now(), 0));
            TestKafka.send(
                    producer,
                    topics.trainerMetrics(),
                    Records.MODEL,
                    Records.step(7, 0, Instant.now(), Map.of("loss/dpo", 0.5)));
            TestKafka.send(
                    producer,
                    topics.deadLetters(),
                    new byte[0],
                    Records.deadLetter(names.feedback(), 3, "UNKNOWN_RESPONSE", "no such response", Instant.now()));

            await().atMost(DEADLINE).untilAsserted(() -> {
                DashboardSnapshot s = dashboard.snapshot();
                assertThat(s.versions())
                        .extracting(DashboardSnapshot.VersionView::version)
                        .containsExactly(0L);
                assertThat(s.trainer().step()).isEqualTo(7);
                assertThat(s.deadLetters().total()).isEqualTo(1);
                assertThat(s.sources().undecodable()).isEqualTo(1);
            });
        }
    }

    @Test
    void showsLagOfTheWatchedGroupsAndEventRates() throws Exception {
        TestKafka.createTopics(KAFKA.bootstrapServers(), topics);
        String watched = "watched-" + UUID.randomUUID();
        String other = "other-" + UUID.randomUUID();
        TopicPartition responses = new TopicPartition(names.responses(), 0);
        try (KafkaProducer<byte[], byte[]> producer = TestKafka.producer(KAFKA.bootstrapServers())) {
            for (int i = 0; i < 50; i++) {
                producer.send(new ProducerRecord<>(names.responses(), new byte[] {1}));
            }
            producer.flush();
            TestKafka.commit(KAFKA.bootstrapServers(), watched, responses, 20);
            TestKafka.commit(KAFKA.bootstrapServers(), other, responses, 10);

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
        return new DashboardConfig(
                "127.0.0.1",
                0,
                KAFKA.bootstrapServers(),
                registry,
                names,
                Optional.empty(),
                groups,
                Duration.ofMillis(300),
                Duration.ofSeconds(2),
                Map.of(),
                Optional.empty());
    }
}
