package io.streamrlhf.streams.canary;

import static io.streamrlhf.streams.support.Events.down;
import static io.streamrlhf.streams.support.Events.response;
import static io.streamrlhf.streams.support.Events.up;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import io.streamrlhf.avro.CanaryDecision;
import io.streamrlhf.avro.CanaryEvidence;
import io.streamrlhf.avro.DecisionOutcome;
import io.streamrlhf.avro.PolicyVersion;
import io.streamrlhf.localstack.junit.EmbeddedKafkaExtension;
import io.streamrlhf.schemas.registry.InMemorySchemaRegistry;
import io.streamrlhf.schemas.topic.Topic;
import io.streamrlhf.schemas.topic.TopicNames;
import io.streamrlhf.schemas.topic.Topics;
import io.streamrlhf.streams.app.StreamsApp;
import io.streamrlhf.streams.config.StreamsAppConfig;
import io.streamrlhf.streams.support.StreamsItSupport;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The canary controller inside the streams application on the embedded broker, across an abrupt restart onto an
 * empty state folder: the counts gathered before the restart still count after it (restored from the changelog),
 * and every decision is written exactly once. The running canary's statistics reach the evidence topic (committed,
 * with the state that records their publication), and the restart does not publish the same counts again.
 *
 * <p>Thumbs only, alpha 0.05 (0.025 per arm), tuned at 100 per arm (rho = 2.631), margin 0.10, minimum 20 per arm:
 * with every canary vote down and every parent vote up, the difference's upper end at 20 votes per arm is -1 + 2 *
 * 0.401 = -0.198, below -0.10, so the rollback comes exactly when both arms reach 20 votes: 10 before the restart and
 * 10 after. Had the restart lost the first 10, there would be no decision.
 */
class CanaryControllerIT {

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    @Test
    void countsSurviveAnAbruptRestartAndEachDecisionIsWrittenOnce() throws Exception {
        String prefix = "canary-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        TopicNames names = TopicNames.defaults().withPrefix(prefix);
        Topics topics = new Topics(names, registry);
        Map<String, String> props = StreamsItSupport.appSettings(prefix, KAFKA.bootstrapServers(), names);
        props.put("monitor.http.port", "-1");
        props.put("canary.enabled", "true");
        props.put("canary.judges", "none");
        props.put("canary.min.samples", "20");
        props.put("canary.tuning.samples", "100");
        props.put("canary.thumbs.margin", "0.10");
        props.put("canary.evidence.interval", "500ms");
        assertThat(StreamsItSupport.provisionTopics(KAFKA.bootstrapServers(), props)
                        .mismatches())
                .isEmpty();
        StreamsAppConfig config = StreamsAppConfig.fromProperties(props, registry)
                .withStateDir(Files.createTempDirectory("canary-state-1-"));
        long t0 = System.currentTimeMillis() - Duration.ofHours(1).toMillis();
        List<CanaryDecision> decisions = new CopyOnWriteArrayList<>();
        List<CanaryEvidence> evidence = new CopyOnWriteArrayList<>();

        try (KafkaProducer<byte[], byte[]> producer = StreamsItSupport.byteProducer(KAFKA.bootstrapServers());
                KafkaConsumer<String, CanaryDecision> reader =
                        topics.policyDecisions().replayingConsumer(KAFKA.bootstrapServers(), Map.of());
                KafkaConsumer<String, CanaryEvidence> live =
                        topics.canaryEvidence().replayingConsumer(KAFKA.bootstrapServers(), Map.of())) {
            try (StreamsApp first = new StreamsApp(config)) {
                first.start();
                assertThat(first.awaitRunning(Duration.ofSeconds(60))).isTrue();
                send(producer, topics.policyVersions(), "policy", version(0, t0), t0);
                send(producer, topics.policyVersions(), "policy", version(1, t0 + 1), t0 + 1);
                producer.flush();
                // Users vote on the canary's answers once it serves, that is once it has started.
                await().atMost(Duration.ofSeconds(60)).until(() -> read(reader, decisions) >= 2);
                votes(producer, topics, 0, 10, t0 + 10);
                producer.flush();
                // The ten votes per arm, published as the running canary's statistics (and so committed).
                await().atMost(Duration.ofSeconds(60))
                        .until(() -> read(live, evidence) > 0
                                && evidence.get(evidence.size() - 1).getCanarySamples() == 10
                                && evidence.get(evidence.size() - 1).getParentSamples() == 10);
                // Abrupt stop, as after kill -9: no clean shutdown, the next instance has an empty state folder.
                first.close(Duration.ZERO);
            }
            votes(producer, topics, 10, 20, t0 + 1_000);
            producer.flush();
            try (StreamsApp second =
                    new StreamsApp(config.withStateDir(Files.createTempDirectory("canary-state-2-")))) {
                second.start();
                await().atMost(Duration.ofSeconds(120)).until(() -> read(reader, decisions) >= 3);
                // Nothing more comes: read for a few more commit intervals before comparing.
                long until = System.currentTimeMillis() + 3_000;
                await().atMost(Duration.ofSeconds(10)).until(() -> {
                    read(reader, decisions);
                    read(live, evidence);
                    return System.currentTimeMillis() >= until;
                });
            }
        }

        assertThat(decisions)
                .extracting(CanaryDecision::getVersion, CanaryDecision::getOutcome)
                .containsExactly(
                        tuple(0L, DecisionOutcome.PROMOTED),
                        tuple(1L, DecisionOutcome.STARTED),
                        tuple(1L, DecisionOutcome.ROLLED_BACK));
        CanaryDecision rollback = decisions.get(2);
        assertThat(rollback.getCanarySamples()).isEqualTo(20);
        assertThat(rollback.getParentSamples()).isEqualTo(20);
        // Every publication is about the canary, before its decision, with counts that only grow: the restored
        // state remembered what the first instance had published, so the 10 + 10 were not published again.
        assertThat(evidence).allSatisfy(e -> {
            assertThat(e.getVersion()).isEqualTo(1L);
            assertThat(e.getParentVersion()).isEqualTo(0L);
            assertThat(e.getCanarySamples() + e.getParentSamples()).isLessThan(40);
        });
        assertThat(evidence)
                .extracting(e -> e.getCanarySamples() + e.getParentSamples())
                .isSorted()
                .doesNotHaveDuplicates();
    }

    /**
     * Votes {@code from} to {@code to} on each arm: the canary's down, the parent's up. The responses are written
     * (and flushed) before any vote on them, as a user sees a response before voting on it: feedback that reaches
     * the controller before its response has no version to be counted for, and a response and its vote sent
     * together can reach the application in either order.
     */
    private static void votes(KafkaProducer<byte[], byte[]> producer, Topics topics, int from, int to, long t) {
        for (int i = from; i < to; i++) {
            for (long v : new long[] {1, 0}) {
                String id = "r" + v + "-" + i;
                long time = t + 4L * i + 2 * v;
                send(producer, topics.responses(), id, response(id, "p" + id, "completion", v, time), time);
            }
        }
        producer.flush();
        for (int i = from; i < to; i++) {
            for (long v : new long[] {1, 0}) {
                String id = "r" + v + "-" + i;
                long voted = t + 4L * i + 2 * v + 1;
                send(
                        producer,
                        topics.feedback(),
                        id,
                        v == 1 ? down("f" + id, id, "u" + i, voted) : up("f" + id, id, "u" + i, voted),
                        voted);
            }
        }
    }

    private static <V> void send(
            KafkaProducer<byte[], byte[]> producer, Topic<String, V> topic, String key, V value, long time) {
        producer.send(new ProducerRecord<>(
                topic.name(),
                null,
                time,
                topic.keySerde().serializer().serialize(topic.name(), key),
                topic.valueSerde().serializer().serialize(topic.name(), value)));
    }

    private static PolicyVersion version(long v, long t) {
        return PolicyVersion.newBuilder()
                .setModelId("policy")
                .setVersion(v)
                .setCheckpointUri("file:///unused/v" + v)
                .setSha256("0".repeat(64))
                .setCreatedTime(Instant.ofEpochMilli(t))
                .build();
    }

    private static <V> int read(KafkaConsumer<String, V> reader, List<V> sink) {
        reader.poll(Duration.ofMillis(200)).forEach(r -> sink.add(r.value()));
        return sink.size();
    }
}
