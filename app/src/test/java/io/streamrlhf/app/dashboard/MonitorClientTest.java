package io.streamrlhf.app.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.sun.net.httpserver.HttpServer;
import io.streamrlhf.app.dashboard.DashboardSnapshot.MonitorStats;
import io.streamrlhf.app.dashboard.DashboardSnapshot.MonitorView;
import io.streamrlhf.avro.Feedback;
import io.streamrlhf.avro.FeedbackKind;
import io.streamrlhf.avro.ResponseGenerated;
import io.streamrlhf.avro.ResponseSource;
import io.streamrlhf.schemas.registry.InMemorySchemaRegistry;
import io.streamrlhf.schemas.topic.TopicNames;
import io.streamrlhf.schemas.topic.Topics;
import io.streamrlhf.streams.app.StreamRlhfTopology;
import io.streamrlhf.streams.common.StreamSerdes;
import io.streamrlhf.streams.config.KtoConfig;
import io.streamrlhf.streams.config.StreamsSettings;
import io.streamrlhf.streams.monitor.MonitorHttpServer;
import io.streamrlhf.streams.monitor.MonitorQuery;
import io.streamrlhf.streams.monitor.MonitorTopology;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The monitor contract end to end: the streams module's real monitor (topology, store, HTTP server) answers the
 * dashboard's real {@link MonitorClient}. The expected figures are counted by hand from the events piped in, so
 * renaming a field on either side, or changing a unit, fails here.
 */
class MonitorClientTest {

    private static final long T0 = Instant.parse("2026-11-27T12:00:00Z").toEpochMilli();
    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochMilli(T0 + 120_000), ZoneOffset.UTC);

    @TempDir
    Path stateDir;

    private TopologyTestDriver driver;
    private MonitorHttpServer server;
    private HttpServer broken;

    @BeforeEach
    void startMonitor() throws Exception {
        InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        Topics topics = new Topics(TopicNames.defaults(), registry);
        StreamsSettings settings =
                StreamsSettings.defaults().withKto(KtoConfig.defaults().withSettleDelay(Duration.ZERO));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "monitor-contract");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "dummy:9092");
        props.put(
                StreamsConfig.STATE_DIR_CONFIG,
                Files.createDirectories(stateDir.resolve("state")).toString());
        driver = new TopologyTestDriver(
                new StreamRlhfTopology(settings, new StreamSerdes(topics, registry)).build(), props);
        TestInputTopic<String, ResponseGenerated> responses = driver.createInputTopic(
                topics.responses().name(),
                topics.responses().keySerde().serializer(),
                topics.responses().valueSerde().serializer());
        TestInputTopic<String, Feedback> feedback = driver.createInputTopic(
                topics.feedback().name(),
                topics.feedback().keySerde().serializer(),
                topics.feedback().valueSerde().serializer());

        // Version 5, first minute: completions of 5, 7 and 3 characters; two thumbs up, one down.
        respond(responses, "r1", "12345", 5, T0);
        respond(responses, "r2", "1234567", 5, T0);
        respond(responses, "r4", "abc", 5, T0);
        rate(feedback, "f1", "r1", "u1", FeedbackKind.THUMBS_UP, T0 + 1);
        rate(feedback, "f2", "r2", "u2", FeedbackKind.THUMBS_DOWN, T0 + 2);
        rate(feedback, "f3", "r4", "u3", FeedbackKind.THUMBS_UP, T0 + 3);
        // Version 6, second minute: one completion of 1 character, thumbs up.
        respond(responses, "r3", "x", 6, T0 + 61_000);
        rate(feedback, "f4", "r3", "u1", FeedbackKind.THUMBS_UP, T0 + 61_001);

        server = new MonitorHttpServer(
                new MonitorQuery(() -> driver.getWindowStore(MonitorTopology.STORE)),
                () -> "RUNNING",
                0,
                Duration.ofMillis(50),
                CLOCK);
    }

    @AfterEach
    void stop() {
        if (broken != null) {
            broken.stop(0);
        }
        server.close();
        driver.close();
    }

    @Test
    void readsTheFiguresTheStreamsMonitorServes() {
        MonitorView monitor = poll(URI.create("http://127.0.0.1:" + server.port()));

        assertThat(monitor.status()).isEqualTo("ok");
        assertThat(monitor.versions()).extracting(MonitorStats::version).containsExactly(5L, 6L);
        MonitorStats v5 = monitor.versions().get(0);
        assertThat(v5.minute()).isNull();
        assertThat(v5.responses()).isEqualTo(3);
        assertThat(v5.feedback()).isEqualTo(3);
        assertThat(v5.thumbsUp()).isEqualTo(2);
        assertThat(v5.thumbsDown()).isEqualTo(1);
        assertThat(v5.thumbsUpRate()).isCloseTo(2.0 / 3, within(1e-12));
        // Wilson at 95% for 2 of 3: centre 0.5731, half-width 0.3654, worked out by hand.
        assertThat(v5.thumbsUpLow()).isCloseTo(0.20766, within(1e-4));
        assertThat(v5.thumbsUpHigh()).isCloseTo(0.93851, within(1e-4));
        assertThat(v5.meanLength()).isEqualTo(5.0);
        assertThat(v5.judged()).isZero();
        assertThat(v5.judgePassRate()).isNull();
        MonitorStats v6 = monitor.versions().get(1);
        assertThat(v6.thumbsUpRate()).isEqualTo(1.0);
        assertThat(v6.meanLength()).isEqualTo(1.0);

        assertThat(monitor.minutes()).extracting(MonitorStats::version).containsExactly(5L, 6L);
        assertThat(monitor.minutes()).extracting(MonitorStats::minute).containsExactly(T0, T0 + 60_000);
        assertThat(monitor.minutes().get(0).thumbsUp()).isEqualTo(2);
    }

    @Test
    void sendsTheMonitorsBearerTokenWhenItAsksForOne() throws Exception {
        // given a monitor that asks for a token
        MonitorHttpServer guarded = new MonitorHttpServer(
                new MonitorQuery(() -> driver.getWindowStore(MonitorTopology.STORE)),
                () -> "RUNNING",
                0,
                Duration.ofMillis(50),
                CLOCK,
                MonitorHttpServer.Options.defaults().withBearerToken("monitor-token-0123456789"));
        try {
            URI url = URI.create("http://127.0.0.1:" + guarded.port());
            DashboardState state = new DashboardState(CLOCK, TopicNames.defaults(), "127.0.0.1:9092", url.toString());
            // when the dashboard polls it without the token, then it reports the refusal
            new MonitorClient(url, state).poll();
            assertThat(state.snapshot().monitor().status()).isEqualTo("error");
            assertThat(state.snapshot().monitor().error()).contains("401");
            // and with the token it reads the figures
            new MonitorClient(url, state, java.util.Optional.of("monitor-token-0123456789")).poll();
            assertThat(state.snapshot().monitor().status()).isEqualTo("ok");
            assertThat(state.snapshot().monitor().versions())
                    .extracting(MonitorStats::version)
                    .containsExactly(5L, 6L);
        } finally {
            guarded.close();
        }
    }

    @Test
    void reportsADocumentThatBreaksTheContractNamingTheField() throws Exception {
        broken = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        // The monitor's own answer with one field renamed, as a monitor built from another contract would send.
        broken.createContext("/monitor/", exchange -> {
            String path = exchange.getRequestURI().getPath() + "?"
                    + exchange.getRequestURI().getRawQuery();
            byte[] body;
            try (var in = URI.create("http://127.0.0.1:" + server.port() + path)
                    .toURL()
                    .openStream()) {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8)
                        .replace("\"thumbsUp\":", "\"up\":")
                        .getBytes(StandardCharsets.UTF_8);
            }
            exchange.sendResponseHeaders(200, body.length);
            try (exchange) {
                exchange.getResponseBody().write(body);
            }
        });
        broken.start();

        MonitorView monitor =
                poll(URI.create("http://127.0.0.1:" + broken.getAddress().getPort()));

        assertThat(monitor.status()).isEqualTo("error");
        assertThat(monitor.error()).contains("thumbsUp");
        assertThat(monitor.versions()).isEmpty();
    }

    private static MonitorView poll(URI url) {
        DashboardState state = new DashboardState(CLOCK, TopicNames.defaults(), "127.0.0.1:9092", url.toString());
        new MonitorClient(url, state).poll();
        return state.snapshot().monitor();
    }

    private static void respond(
            TestInputTopic<String, ResponseGenerated> topic, String id, String completion, long version, long time) {
        topic.pipeInput(
                id,
                ResponseGenerated.newBuilder()
                        .setResponseId(id)
                        .setPromptId("p-" + id)
                        .setPrompt("prompt of " + id)
                        .setCompletion(completion)
                        .setPolicyVersion(version)
                        .setSource(ResponseSource.PRODUCTION)
                        .setEventTime(Instant.ofEpochMilli(time))
                        .build(),
                time);
    }

    private static void rate(
            TestInputTopic<String, Feedback> topic,
            String id,
            String responseId,
            String userId,
            FeedbackKind kind,
            long time) {
        topic.pipeInput(
                responseId,
                Feedback.newBuilder()
                        .setFeedbackId(id)
                        .setResponseId(responseId)
                        .setUserId(userId)
                        .setKind(kind)
                        .setEventTime(Instant.ofEpochMilli(time))
                        .build(),
                time);
    }
}
