package io.streamrlhf.streams.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.streamrlhf.avro.KtoExample;
import io.streamrlhf.localstack.junit.EmbeddedKafkaExtension;
import io.streamrlhf.schemas.registry.InMemorySchemaRegistry;
import io.streamrlhf.schemas.topic.Topic;
import io.streamrlhf.schemas.topic.TopicNames;
import io.streamrlhf.schemas.topic.Topics;
import io.streamrlhf.streams.config.StreamsAppConfig;
import io.streamrlhf.streams.support.CommittedReader;
import io.streamrlhf.streams.support.Events;
import io.streamrlhf.streams.support.StreamsItSupport;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.StreamsGroupDescription;
import org.apache.kafka.clients.admin.StreamsGroupMemberDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code streams.group.protocol=streams} (KIP-1071) with static membership on the embedded broker: the application
 * joins a streams group (not a classic consumer group) under its instance id, processes, and after a clean close
 * (which leaves the group) a new instance with the same id and state folder is RUNNING again well within the
 * broker's 45 s streams session timeout and goes on processing.
 */
class StreamsProtocolRestartIT {

    /** Below the broker's default (and minimum) streams group session timeout of 45 s. */
    private static final Duration RESTART_DEADLINE = Duration.ofSeconds(30);

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    @Test
    void aStaticMemberOfAStreamsGroupRestartsAndProcessesAgain() throws Exception {
        String prefix = "protocol-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        TopicNames names = TopicNames.defaults().withPrefix(prefix);
        Topics topics = new Topics(names, registry);
        Map<String, String> props = StreamsItSupport.appSettings(prefix, KAFKA.bootstrapServers(), names);
        props.put(
                "streams.state.dir",
                Files.createTempDirectory("protocol-state-").toString());
        props.put("monitor.http.port", "-1");
        props.put("streams.group.protocol", "streams");
        props.put("streams.instance.id", "it-1");
        assertThat(StreamsItSupport.provisionTopics(KAFKA.bootstrapServers(), props)
                        .mismatches())
                .isEmpty();
        StreamsAppConfig config = StreamsAppConfig.fromProperties(props, registry);
        long t0 = System.currentTimeMillis();

        try (KafkaProducer<byte[], byte[]> producer = StreamsItSupport.byteProducer(KAFKA.bootstrapServers());
                CommittedReader reader = CommittedReader.ofOutputs(KAFKA.bootstrapServers(), topics);
                Admin admin =
                        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()))) {
            try (StreamsApp first = new StreamsApp(config)) {
                first.start();
                assertThat(first.awaitRunning(Duration.ofSeconds(90))).isTrue();
                StreamsGroupDescription group = admin.describeStreamsGroups(List.of(config.applicationId()))
                        .describedGroups()
                        .get(config.applicationId())
                        .get();
                assertThat(group.members())
                        .extracting(StreamsGroupMemberDescription::instanceId)
                        .containsExactly(java.util.Optional.of("it-1-1"));
                voteAndAwaitExample(producer, reader, topics, "before", t0);
            }

            long restarted = System.nanoTime();
            try (StreamsApp second = new StreamsApp(config)) {
                second.start();
                assertThat(second.awaitRunning(RESTART_DEADLINE))
                        .as("RUNNING within %s of the restart", RESTART_DEADLINE)
                        .isTrue();
                assertThat(Duration.ofNanos(System.nanoTime() - restarted)).isLessThan(RESTART_DEADLINE);
                voteAndAwaitExample(producer, reader, topics, "after", t0 + 1_000);
                assertThat(second.state()).isEqualTo(KafkaStreams.State.RUNNING);
            }
        }
    }

    private static void voteAndAwaitExample(
            KafkaProducer<byte[], byte[]> producer, CommittedReader reader, Topics topics, String id, long time)
            throws Exception {
        producer.send(record(topics.responses(), id, Events.response(id, "p-" + id, "answer " + id, 1, time), time))
                .get();
        producer.send(record(topics.feedback(), id, Events.up("f-" + id, id, "u-" + id, time + 1), time + 1))
                .get();
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(300))
                .until(() -> {
                    reader.poll();
                    List<KtoExample> examples =
                            reader.values(topics.ktoExamples().name());
                    return examples.stream().anyMatch(e -> e.getResponseId().equals(id));
                });
    }

    private static <V> ProducerRecord<byte[], byte[]> record(Topic<String, V> topic, String key, V value, long time) {
        return new ProducerRecord<>(
                topic.name(),
                null,
                time,
                key.getBytes(StandardCharsets.UTF_8),
                topic.valueSerde().serializer().serialize(topic.name(), value));
    }
}
