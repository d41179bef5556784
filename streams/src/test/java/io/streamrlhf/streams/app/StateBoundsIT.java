package io.streamrlhf.streams.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.streamrlhf.avro.DeadLetter;
import io.streamrlhf.avro.DpoPair;
import io.streamrlhf.avro.Feedback;
import io.streamrlhf.avro.FeedbackKind;
import io.streamrlhf.avro.KtoExample;
import io.streamrlhf.avro.PairSource;
import io.streamrlhf.localstack.junit.EmbeddedKafkaExtension;
import io.streamrlhf.schemas.registry.InMemorySchemaRegistry;
import io.streamrlhf.schemas.topic.Topic;
import io.streamrlhf.schemas.topic.TopicNames;
import io.streamrlhf.schemas.topic.Topics;
import io.streamrlhf.streams.config.StreamsAppConfig;
import io.streamrlhf.streams.deadletter.DeadLetterReason;
import io.streamrlhf.streams.deadletter.DeadLetters;
import io.streamrlhf.streams.support.CommittedReader;
import io.streamrlhf.streams.support.Events;
import io.streamrlhf.streams.support.StreamsItSupport;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * On the embedded broker under exactly-once: one response flooded by thousands of distinct voters, one prompt
 * flooded with long labelled responses, and an undecodable record whose dead letter would be larger than Kafka
 * accepts. Unbounded, each of them makes a changelog or sink record larger than 1 MiB, which the producer refuses
 * ({@code RecordTooLargeException}) on every start. Bounded, the application stays running, the excess is in dead
 * letters with its reason, and records sent afterwards are processed.
 */
class StateBoundsIT {

    private static final int VOTERS = 6_000;
    private static final int PROMPT_RESPONSES = 1_500;
    private static final Set<KafkaStreams.State> ALIVE =
            EnumSet.of(KafkaStreams.State.CREATED, KafkaStreams.State.REBALANCING, KafkaStreams.State.RUNNING);

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    @Test
    void floodedResponsePromptAndOversizedDeadLetterLeaveTheApplicationRunningAndLaterRecordsFlow() throws Exception {
        String prefix = "bounds-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        TopicNames names = TopicNames.defaults().withPrefix(prefix);
        Topics topics = new Topics(names, registry);
        Map<String, String> props = StreamsItSupport.appSettings(prefix, KAFKA.bootstrapServers(), names);
        props.put("topics.partitions", "2");
        props.put(
                "streams.state.dir", Files.createTempDirectory("bounds-state-").toString());
        props.put("monitor.http.port", "-1");
        // The application creates none of its topics: provision them as a deployment does.
        assertThat(StreamsItSupport.provisionTopics(KAFKA.bootstrapServers(), props)
                        .mismatches())
                .isEmpty();
        StreamsAppConfig config = StreamsAppConfig.fromProperties(props, registry);
        int maxVotes = config.settings().kto().maxVotesPerResponse();
        long t0 = System.currentTimeMillis() - Duration.ofMinutes(30).toMillis();

        try (KafkaProducer<byte[], byte[]> producer = StreamsItSupport.byteProducer(KAFKA.bootstrapServers());
                StreamsApp app = new StreamsApp(config)) {
            app.start();
            assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
            try (CommittedReader reader = CommittedReader.ofOutputs(KAFKA.bootstrapServers(), topics)) {
                // Distinct voters with 150-character ids: about 230 bytes a vote, 1.4 MB of votes on one response.
                List<ProducerRecord<byte[], byte[]>> flood = new ArrayList<>();
                flood.add(record(topics.responses(), "hot", Events.response("hot", "p-hot", "answer", 1, t0), t0));
                String longUser = "u".repeat(144);
                for (int i = 0; i < VOTERS; i++) {
                    Feedback f = Events.feedback(
                            "f" + i, "hot", longUser + String.format("%06d", i), FeedbackKind.THUMBS_UP, t0 + 1 + i);
                    flood.add(record(topics.feedback(), "hot", f, t0 + 1 + i));
                }
                // Long labelled responses to one prompt: 1.5 MB of derived-pair state.
                String longAnswer = "a".repeat(1_000);
                for (int i = 0; i < PROMPT_RESPONSES; i++) {
                    long t = t0 + 10_000 + 2L * i;
                    flood.add(record(
                            topics.responses(),
                            "pr" + i,
                            Events.response("pr" + i, "p-flood", longAnswer + i, 1, t),
                            t));
                    flood.add(record(
                            topics.feedback(),
                            "pr" + i,
                            i % 2 == 0
                                    ? Events.up("pf" + i, "pr" + i, "v" + i, t)
                                    : Events.down("pf" + i, "pr" + i, "v" + i, t),
                            t));
                }
                send(producer, flood);
                // Undecodable, with a 400 KB key and a 600 KB value: its dead letter would carry both.
                byte[] key = new byte[400_000];
                byte[] value = new byte[600_000];
                Arrays.fill(key, (byte) 'k');
                Arrays.fill(value, (byte) 'v');
                RecordMetadata garbage = producer.send(
                                new ProducerRecord<>(topics.feedback().name(), null, t0 + 20_000, key, value))
                        .get();

                await().atMost(Duration.ofSeconds(120))
                        .pollInterval(Duration.ofMillis(500))
                        .until(() -> {
                            assertThat(app.state()).isIn(ALIVE);
                            reader.poll();
                            return reader.values(topics.ktoExamples().name()).size() >= maxVotes + PROMPT_RESPONSES
                                    && reasons(reader.values(
                                                    topics.deadLetters().name()))
                                            .containsKey(DeadLetterReason.OUTPUT_NOT_WRITTEN);
                        });

                // Sent after the floods: a fresh response and its vote, and opposite labels on a fresh prompt.
                long t1 = t0 + 30_000;
                send(
                        producer,
                        List.of(
                                record(
                                        topics.responses(),
                                        "calm",
                                        Events.response("calm", "p-calm", "fine", 2, t1),
                                        t1),
                                record(
                                        topics.feedback(),
                                        "calm",
                                        Events.up("g0", "calm", longUser + "000001", t1 + 1),
                                        t1 + 1),
                                record(
                                        topics.responses(),
                                        "good",
                                        Events.response("good", "p-pair", "good", 2, t1),
                                        t1),
                                record(topics.responses(), "bad", Events.response("bad", "p-pair", "bad", 2, t1), t1),
                                record(topics.feedback(), "good", Events.up("g1", "good", "w1", t1 + 2), t1 + 2),
                                record(topics.feedback(), "bad", Events.down("g2", "bad", "w2", t1 + 3), t1 + 3)));
                await().atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(500))
                        .until(() -> {
                            assertThat(app.state()).isIn(ALIVE);
                            reader.poll();
                            List<KtoExample> examples =
                                    reader.values(topics.ktoExamples().name());
                            List<DpoPair> pairs =
                                    reader.values(topics.dpoPairs().name());
                            return examples.stream()
                                            .anyMatch(e -> e.getResponseId().equals("calm"))
                                    && pairs.stream()
                                            .anyMatch(p -> p.getSource() == PairSource.DERIVED
                                                    && p.getChosenResponseId().equals("good")
                                                    && p.getRejectedResponseId().equals("bad"));
                        });
                assertThat(app.state()).isEqualTo(KafkaStreams.State.RUNNING);

                List<KtoExample> examples = reader.values(topics.ktoExamples().name());
                assertThat(examples.stream().filter(e -> e.getResponseId().equals("hot")))
                        .hasSize(maxVotes);
                List<DeadLetter> letters = reader.values(topics.deadLetters().name());
                Map<DeadLetterReason, Long> reasons = reasons(letters);
                assertThat(reasons.get(DeadLetterReason.RESPONSE_VOTES_LIMIT)).isEqualTo((long) VOTERS - maxVotes);
                assertThat(reasons.get(DeadLetterReason.PROMPT_STATE_LIMIT))
                        .isEqualTo((long) PROMPT_RESPONSES
                                - config.settings().dpo().derivedResponsesPerPrompt());
                assertThat(letters.stream().filter(l -> DeadLetters.reasonOf(l) == DeadLetterReason.OUTPUT_NOT_WRITTEN))
                        .singleElement()
                        .satisfies(l -> {
                            assertThat(l.getTopic()).isEqualTo(topics.feedback().name());
                            assertThat(l.getPartition()).isEqualTo(garbage.partition());
                            assertThat(l.getOffset()).isEqualTo(garbage.offset());
                        });
            }
        }
    }

    private static Map<DeadLetterReason, Long> reasons(List<DeadLetter> letters) {
        return letters.stream().collect(Collectors.groupingBy(DeadLetters::reasonOf, Collectors.counting()));
    }

    private static <V> ProducerRecord<byte[], byte[]> record(Topic<String, V> topic, String key, V value, long time) {
        return new ProducerRecord<>(
                topic.name(),
                null,
                time,
                key.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                topic.valueSerde().serializer().serialize(topic.name(), value));
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, List<ProducerRecord<byte[], byte[]>> records)
            throws Exception {
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        for (ProducerRecord<byte[], byte[]> r : records) {
            sent.add(producer.send(r));
        }
        for (Future<RecordMetadata> f : sent) {
            f.get();
        }
    }
}
