package io.streamrlhf.streams.monitor;

import static io.streamrlhf.streams.support.Events.down;
import static io.streamrlhf.streams.support.Events.response;
import static io.streamrlhf.streams.support.Events.up;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamrlhf.schemas.monitor.MinutesDocument;
import io.streamrlhf.schemas.monitor.MonitorContract;
import io.streamrlhf.schemas.monitor.VersionStats;
import io.streamrlhf.schemas.monitor.VersionsDocument;
import io.streamrlhf.schemas.monitor.VersionsEvent;
import io.streamrlhf.streams.app.StreamRlhfTopology;
import io.streamrlhf.streams.config.KtoConfig;
import io.streamrlhf.streams.config.StreamsSettings;
import io.streamrlhf.streams.support.Harness;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MonitorHttpServerTest {

    private static final long T0 = 1_700_000_040_000L - 1_700_000_040_000L % 60_000;
    private final HttpClient client = HttpClient.newHttpClient();
    private final ObjectMapper json = MonitorContract.mapper();
    private Harness h;
    private MonitorHttpServer server;

    @BeforeEach
    void start() throws Exception {
        StreamsSettings settings =
                StreamsSettings.defaults().withKto(KtoConfig.defaults().withSettleDelay(Duration.ZERO));
        h = new Harness(serdes -> new StreamRlhfTopology(settings, serdes).build());
        h.responses.pipeInput("r1", response("r1", "p", "12345", 5, T0), T0);
        h.responses.pipeInput("r2", response("r2", "p", "1234567", 5, T0), T0);
        h.responses.pipeInput("r3", response("r3", "q", "x", 6, T0 + 61_000), T0 + 61_000);
        h.feedback.pipeInput("r1", up("f1", "r1", "u1", T0 + 1), T0 + 1);
        h.feedback.pipeInput("r2", down("f2", "r2", "u2", T0 + 2), T0 + 2);
        MonitorQuery query = new MonitorQuery(() -> h.driver.getWindowStore(MonitorTopology.STORE));
        server = new MonitorHttpServer(
                query,
                () -> "RUNNING",
                0,
                Duration.ofMillis(50),
                Clock.fixed(Instant.ofEpochMilli(T0 + 120_000), ZoneOffset.UTC));
    }

    @AfterEach
    void stop() {
        server.close();
        h.close();
    }

    private <T> T get(String path, Class<T> type) throws Exception {
        HttpResponse<String> r = client.send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + path))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return json.readValue(r.body(), type);
    }

    @Test
    void servesPerVersionTotalsWithThumbsUpRateAndWilsonInterval() throws Exception {
        List<VersionStats> versions =
                get("/monitor/versions?minutes=10", VersionsDocument.class).versions();

        assertThat(versions).hasSize(2);
        VersionStats v5 = versions.get(0);
        assertThat(v5.policyVersion()).isEqualTo(5);
        assertThat(v5.responses()).isEqualTo(2);
        assertThat(v5.meanCompletionLength()).isEqualTo(6.0);
        assertThat(v5.thumbsUpRate()).isEqualTo(0.5);
        assertThat(v5.thumbsUpLow()).isLessThan(0.5);
        assertThat(v5.thumbsUpHigh()).isGreaterThan(0.5);
        assertThat(v5.examples()).isEqualTo(2);
        assertThat(versions.get(1).policyVersion()).isEqualTo(6);
    }

    @Test
    void servesOneRowPerVersionAndMinute() throws Exception {
        List<VersionStats> minutes = get("/monitor/minutes?from=" + T0 + "&to=" + (T0 + 120_000), MinutesDocument.class)
                .minutes();
        assertThat(minutes).hasSize(2);
        assertThat(minutes.get(0).from()).isEqualTo(T0);
        assertThat(minutes.get(1).from()).isEqualTo(T0 + 60_000);
        assertThat(get("/monitor/minutes?minutes=10&version=6", MinutesDocument.class)
                        .minutes())
                .hasSize(1);
    }

    @Test
    void streamsTheVersionsAsServerSentEvents() throws Exception {
        HttpResponse<Stream<String>> r = client.send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + "/monitor/events?minutes=10"))
                        .build(),
                HttpResponse.BodyHandlers.ofLines());
        assertThat(r.headers().firstValue("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
        try (Stream<String> lines = r.body()) {
            Iterator<String> it = lines.iterator();
            String event = null;
            while (it.hasNext()) {
                String line = it.next();
                if (line.startsWith("event: ")) {
                    event = line.substring(7);
                }
                if (line.startsWith("data: ")) {
                    VersionsEvent data = json.readValue(line.substring(6), VersionsEvent.class);
                    assertThat(event).isEqualTo("versions");
                    assertThat(data.versions())
                            .extracting(VersionStats::policyVersion)
                            .containsExactly(5L, 6L);
                    assertThat(data.time()).isEqualTo(T0 + 120_000);
                    return;
                }
            }
        }
        throw new AssertionError("no SSE data line");
    }
}
