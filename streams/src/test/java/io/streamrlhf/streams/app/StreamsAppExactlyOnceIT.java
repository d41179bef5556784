package io.streamrlhf.streams.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamrlhf.avro.DeadLetter;
import io.streamrlhf.avro.DpoPair;
import io.streamrlhf.avro.Feedback;
import io.streamrlhf.avro.FeedbackKind;
import io.streamrlhf.avro.KtoExample;
import io.streamrlhf.avro.PairSource;
import io.streamrlhf.avro.PairwisePreference;
import io.streamrlhf.avro.Prompt;
import io.streamrlhf.avro.ResponseGenerated;
import io.streamrlhf.localstack.junit.EmbeddedKafkaExtension;
import io.streamrlhf.schemas.registry.InMemorySchemaRegistry;
import io.streamrlhf.schemas.topic.Topic;
import io.streamrlhf.schemas.topic.TopicNames;
import io.streamrlhf.schemas.topic.Topics;
import io.streamrlhf.streams.common.Ids;
import io.streamrlhf.streams.config.KtoConfig;
import io.streamrlhf.streams.config.StreamsAppConfig;
import io.streamrlhf.streams.support.CommittedReader;
import io.streamrlhf.streams.support.Events;
import io.streamrlhf.streams.support.StreamsItSupport;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * End to end on the embedded broker under exactly-once: about 100k mixed events with redelivered feedback,
 * feedback before its response, late feedback, explicit preferences, rollout groups and malformed records; the
 * application is stopped abruptly halfway and a new instance with an empty state folder takes over (restoring from
 * changelogs while the first one's transactions are fenced). A {@code read_committed} consumer then checks that
 * every expected example and pair appears exactly once and every bad record is in dead letters exactly once.
 */
class StreamsAppExactlyOnceIT {

    private static final Logger log = LoggerFactory.getLogger(StreamsAppExactlyOnceIT.class);
    private static final int PARTITIONS = 2;
    private static final int PRODUCTION = 45_000;
    private static final int DERIVED_PROMPTS = 1_000;
    private static final int PREFERENCE_PROMPTS = 1_000;
    private static final int ROLLOUT_GROUPS = 1_000;
    private static final int NO_PASS_GROUPS = 100;
    private static final int GARBAGE = 1_000;
    private static final int INVALID = 300;
    private static final int GHOSTS = 200;

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    /** One record to send, and whether its coordinates must end up in dead letters. */
    private record Send(String topic, Integer partition, String key, byte[] value, long timestamp, boolean bad) {}

    @Test
    void everyExpectedExampleAndPairAppearsExactlyOnceAcrossAnAbruptRestart() throws Exception {
        String prefix = "it-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        TopicNames names = TopicNames.defaults().withPrefix(prefix);
        Topics topics = new Topics(names, registry);
        Map<String, String> props = StreamsItSupport.appSettings(prefix, KAFKA.bootstrapServers(), names);
        props.put("topics.partitions", String.valueOf(PARTITIONS));
        props.put("monitor.http.port", "0");
        // The application no longer creates its topics: provision them as a deployment does.
        assertThat(StreamsItSupport.provisionTopics(KAFKA.bootstrapServers(), props)
                        .mismatches())
                .isEmpty();
        Path state1 = Files.createTempDirectory("it-state-1-");
        Path state2 = Files.createTempDirectory("it-state-2-");
        StreamsAppConfig config =
                StreamsAppConfig.fromProperties(props, registry).withStateDir(state1);
        assertThat(config.settings().kto())
                .isEqualTo(KtoConfig.defaults().withSettleDelay(Duration.ZERO).withUserLabelsPerHour(0));

        long t0 = System.currentTimeMillis() - Duration.ofHours(1).toMillis();
        Expected expected = new Expected();
        List<Send> main = new ArrayList<>();
        List<Send> late = new ArrayList<>();
        generate(topics, t0, expected, main, late);
        int half = main.size() / 2;
        log.info("Generated {} events ({} late)", main.size() + late.size(), late.size());

        try (KafkaProducer<byte[], byte[]> producer = StreamsItSupport.byteProducer(KAFKA.bootstrapServers());
                StreamsApp first = new StreamsApp(config)) {
            first.start();
            assertThat(first.awaitRunning(Duration.ofSeconds(60))).isTrue();
            Set<String> badCoordinates = new HashSet<>(send(producer, main.subList(0, half)));
            try (CommittedReader reader = CommittedReader.ofOutputs(KAFKA.bootstrapServers(), topics)) {
                await().atMost(Duration.ofSeconds(90))
                        .pollInterval(Duration.ofMillis(500))
                        .until(() -> {
                            reader.poll();
                            return reader.values(topics.ktoExamples().name()).size() >= PRODUCTION / 5;
                        });
            }
            // Abrupt stop: no waiting for a clean shutdown; the next instance starts from an empty state folder.
            first.close(Duration.ZERO);
            log.info("First instance stopped abruptly");

            badCoordinates.addAll(send(producer, main.subList(half, main.size())));
            badCoordinates.addAll(send(producer, late));
            try (StreamsApp second = new StreamsApp(config.withStateDir(state2));
                    CommittedReader reader = CommittedReader.ofOutputs(KAFKA.bootstrapServers(), topics)) {
                second.start();
                await().atMost(Duration.ofSeconds(150))
                        .pollInterval(Duration.ofSeconds(1))
                        .until(() -> {
                            reader.poll();
                            return keys(
                                                    reader.<KtoExample>values(
                                                            topics.ktoExamples().name()),
                                                    KtoExample::getExampleId)
                                            .containsAll(expected.examples)
                                    && keys(
                                                    reader.<DpoPair>values(
                                                            topics.dpoPairs().name()),
                                                    DpoPair::getPairId)
                                            .containsAll(expected.pairs.keySet());
                        });
                // Everything else is processed: advance stream time on every partition so unmatched feedback expires.
                send(producer, ticks(topics, t0 + Duration.ofMinutes(90).toMillis()));
                await().atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofSeconds(1))
                        .until(() -> {
                            reader.poll();
                            return coordinates(
                                            reader.values(topics.deadLetters().name()))
                                    .containsAll(badCoordinates);
                        });
                reader.poll();

                List<KtoExample> examples = reader.values(topics.ktoExamples().name());
                assertThat(counts(examples, KtoExample::getExampleId))
                        .allSatisfy((id, n) ->
                                assertThat(n).as("emissions of example %s", id).isEqualTo(1));
                assertThat(keys(examples, KtoExample::getExampleId)).isEqualTo(expected.examples);

                List<DpoPair> pairs = reader.values(topics.dpoPairs().name());
                assertThat(counts(pairs, DpoPair::getPairId))
                        .allSatisfy((id, n) ->
                                assertThat(n).as("emissions of pair %s", id).isEqualTo(1));
                assertThat(keys(pairs, DpoPair::getPairId)).isEqualTo(expected.pairs.keySet());
                for (DpoPair p : pairs) {
                    assertThat(p.getChosenResponseId() + ">" + p.getRejectedResponseId())
                            .isEqualTo(expected.pairs.get(p.getPairId()));
                }
                assertThat(pairs.stream().filter(p -> p.getSource() == PairSource.JUDGE))
                        .hasSize(ROLLOUT_GROUPS - NO_PASS_GROUPS);

                List<DeadLetter> letters = reader.values(topics.deadLetters().name());
                List<String> letterCoordinates = letters.stream()
                        .map(StreamsAppExactlyOnceIT::coordinate)
                        .toList();
                assertThat(new HashSet<>(letterCoordinates)).hasSize(letterCoordinates.size());
                assertThat(new HashSet<>(letterCoordinates)).isEqualTo(badCoordinates);

                assertMonitorServes(second);
            }
        }
    }

    private static void assertMonitorServes(StreamsApp app) throws Exception {
        int port = app.monitorPort().orElseThrow();
        HttpResponse<String> r = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/monitor/versions?minutes=240"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode versions = new ObjectMapper().readTree(r.body()).get("versions");
        long responses = 0;
        for (JsonNode v : versions) {
            responses += v.get("responses").asLong();
        }
        assertThat(responses).isPositive();
    }

    /** What must come out. */
    private static final class Expected {
        final Set<String> examples = new HashSet<>();
        final Map<String, String> pairs = new HashMap<>();
    }

    private static void generate(Topics topics, long t0, Expected expected, List<Send> main, List<Send> late) {
        Random random = new Random(42);
        long t = t0;
        // Production responses with one vote each; 10% of votes arrive before their response, 5% are redelivered,
        // 4% arrive five minutes late; the first 2k responses form 1k prompts with one up and one down vote.
        for (int i = 0; i < PRODUCTION; i++) {
            boolean derived = i < 2 * DERIVED_PROMPTS;
            String rid = "r-" + i;
            String promptId = derived ? "dp-" + (i / 2) : "pp-" + i;
            String user = "u-" + (i % 997);
            ResponseGenerated r = Events.response(rid, promptId, "completion " + i, 1 + i % 3, t);
            FeedbackKind kind = derived
                    ? (i % 2 == 0 ? FeedbackKind.THUMBS_UP : FeedbackKind.THUMBS_DOWN)
                    : (random.nextBoolean() ? FeedbackKind.THUMBS_UP : FeedbackKind.THUMBS_DOWN);
            Send response = send(topics.responses(), rid, r, t, false);
            double roll = random.nextDouble();
            if (!derived && roll < 0.04) {
                long lateTime = t + Duration.ofMinutes(5).toMillis();
                main.add(response);
                late.add(send(
                        topics.feedback(), rid, Events.feedback("f-" + i, rid, user, kind, lateTime), lateTime, false));
            } else if (roll < 0.14) {
                main.add(send(topics.feedback(), rid, Events.feedback("f-" + i, rid, user, kind, t), t, false));
                main.add(response);
            } else {
                main.add(response);
                main.add(send(topics.feedback(), rid, Events.feedback("f-" + i, rid, user, kind, t + 1), t + 1, false));
            }
            if (random.nextDouble() < 0.05) {
                main.add(send(topics.feedback(), rid, Events.feedback("f-" + i, rid, user, kind, t + 1), t + 2, false));
            }
            expected.examples.add(Ids.ktoExample(rid, user));
            if (derived && i % 2 == 1) {
                String pairId = Ids.dpoPair("DERIVED", promptId, "r-" + (i - 1), rid);
                expected.pairs.put(pairId, "r-" + (i - 1) + ">" + rid);
            }
            t += 2;
        }
        // Explicit preferences: two responses per prompt; every third preference arrives first; 5% redelivered.
        for (int j = 0; j < PREFERENCE_PROMPTS; j++) {
            String promptId = "xp-" + j;
            Send a =
                    send(topics.responses(), "xa-" + j, Events.response("xa-" + j, promptId, "a " + j, 2, t), t, false);
            Send b =
                    send(topics.responses(), "xb-" + j, Events.response("xb-" + j, promptId, "b " + j, 2, t), t, false);
            PairwisePreference p = Events.preference("pref-" + j, promptId, "xb-" + j, "xa-" + j, t);
            Send pref = send(topics.preferences(), promptId, p, t + 1, false);
            if (j % 3 == 0) {
                main.addAll(List.of(pref, a, b));
            } else {
                main.addAll(List.of(a, b, pref));
            }
            if (j % 20 == 0) {
                main.add(send(topics.preferences(), promptId, p, t + 2, false));
            }
            expected.pairs.put(Ids.dpoPair("HUMAN", "pref-" + j), "xb-" + j + ">xa-" + j);
            t += 3;
        }
        // Rollout groups of four (version 5), judged on length and banned phrases; 100 groups have no passing one.
        for (int k = 0; k < ROLLOUT_GROUPS; k++) {
            String promptId = "rp-" + k;
            Prompt prompt = Events.prompt(promptId, "chat", null, t);
            main.add(send(topics.prompts(), promptId, prompt, t, false));
            List<String> completions = k < NO_PASS_GROUPS
                    ? List.of(
                            "As an AI language model, no",
                            "as an ai language model: no",
                            "x".repeat(2_100),
                            "As an AI language model I cannot")
                    : List.of("forty-two", "42", "As an AI language model, 42", "x".repeat(2_100));
            for (int n = 0; n < 4; n++) {
                String rid = "ro-" + k + "-" + n;
                main.add(send(
                        topics.responses(),
                        rid,
                        Events.rollout(rid, promptId, completions.get(n), 5, t + n),
                        t + n,
                        false));
            }
            if (k >= NO_PASS_GROUPS) {
                // chosen: shortest passing ("42"); rejected: lowest-scoring failing (the over-long one scores 2000/2100
                // on length, the banned one 1/2 on banned phrases: means 0.976 and 0.75).
                String chosen = "ro-" + k + "-1";
                String rejected = "ro-" + k + "-2";
                expected.pairs.put(Ids.dpoPair("JUDGE", promptId, "5", chosen, rejected), chosen + ">" + rejected);
            }
            t += 5;
        }
        // Malformed and invalid records, and feedback for responses that never exist, spread through the stream.
        List<Send> bad = new ArrayList<>();
        for (int g = 0; g < GARBAGE; g++) {
            byte[] junk = new byte[1 + random.nextInt(40)];
            random.nextBytes(junk);
            junk[0] = (byte) (1 + random.nextInt(100));
            Topic<?, ?> topic = g % 2 == 0 ? topics.responses() : topics.feedback();
            bad.add(new Send(topic.name(), null, "junk-" + g, junk, t0 + g, true));
        }
        for (int v = 0; v < INVALID; v++) {
            ResponseGenerated r = Events.response("inv-" + v, "p-inv", "", 1, t0 + v);
            bad.add(send(topics.responses(), "inv-" + v, r, t0 + v, true));
        }
        for (int g = 0; g < GHOSTS; g++) {
            Feedback f = Events.up("fg-" + g, "ghost-" + g, "u-ghost", t0 + g);
            bad.add(send(topics.feedback(), "ghost-" + g, f, t0 + g, true));
        }
        for (Send s : bad) {
            main.add(random.nextInt(main.size()), s);
        }
    }

    private static List<Send> ticks(Topics topics, long time) {
        List<Send> out = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            String id = "tick-" + p;
            byte[] value = topics.responses()
                    .valueSerde()
                    .serializer()
                    .serialize(topics.responses().name(), Events.response(id, "tick", "tick", 0, time));
            out.add(new Send(topics.responses().name(), p, id, value, time, false));
        }
        return out;
    }

    private static <V> Send send(Topic<String, V> topic, String key, V value, long timestamp, boolean bad) {
        return new Send(
                topic.name(),
                null,
                key,
                topic.valueSerde().serializer().serialize(topic.name(), value),
                timestamp,
                bad);
    }

    private static List<String> send(KafkaProducer<byte[], byte[]> producer, List<Send> sends) throws Exception {
        List<Future<RecordMetadata>> futures = new ArrayList<>();
        List<Send> badSends = new ArrayList<>();
        for (Send s : sends) {
            Future<RecordMetadata> f = producer.send(new ProducerRecord<>(
                    s.topic(),
                    s.partition(),
                    s.timestamp(),
                    s.key().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    s.value()));
            if (s.bad()) {
                futures.add(f);
                badSends.add(s);
            }
        }
        producer.flush();
        List<String> out = new ArrayList<>();
        for (Future<RecordMetadata> f : futures) {
            RecordMetadata m = f.get();
            out.add(m.topic() + "/" + m.partition() + "/" + m.offset());
        }
        return out;
    }

    private static <V> Set<String> keys(List<V> values, Function<V, String> id) {
        return values.stream().map(id).collect(Collectors.toSet());
    }

    private static <V> Map<String, Long> counts(List<V> values, Function<V, String> id) {
        return values.stream().collect(Collectors.groupingBy(id, Collectors.counting()));
    }

    private static Set<String> coordinates(List<DeadLetter> letters) {
        return letters.stream().map(StreamsAppExactlyOnceIT::coordinate).collect(Collectors.toSet());
    }

    private static String coordinate(DeadLetter d) {
        return d.getTopic() + "/" + d.getPartition() + "/" + d.getOffset();
    }

    @SuppressWarnings("unused")
    private static <T> List<T> shuffled(List<T> in, Random random) {
        List<T> out = new ArrayList<>(in);
        Collections.shuffle(out, random);
        return out;
    }
}
