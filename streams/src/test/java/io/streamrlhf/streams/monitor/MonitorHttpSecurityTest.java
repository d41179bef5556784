package io.streamrlhf.streams.monitor;

import static io.streamrlhf.streams.support.Events.response;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.streamrlhf.streams.app.StreamRlhfTopology;
import io.streamrlhf.streams.config.KtoConfig;
import io.streamrlhf.streams.config.StreamsSettings;
import io.streamrlhf.streams.support.Harness;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The monitor's exposure: loopback, bearer token, no wildcard CORS, capped event streams sharing one scan. */
class MonitorHttpSecurityTest {

    private static final String TOKEN = "monitor-token-0123456789";
    private static final Duration PERIOD = Duration.ofMillis(50);

    private final HttpClient client = HttpClient.newHttpClient();
    private final AtomicLong storeFetches = new AtomicLong();
    private final List<InputStream> streams = new ArrayList<>();
    private Harness h;
    private MonitorQuery query;
    private MonitorHttpServer server;

    @BeforeEach
    void start() {
        StreamsSettings settings =
                StreamsSettings.defaults().withKto(KtoConfig.defaults().withSettleDelay(Duration.ZERO));
        h = new Harness(serdes -> new StreamRlhfTopology(settings, serdes).build());
        long now = System.currentTimeMillis();
        h.responses.pipeInput("r1", response("r1", "p", "12345", 5, now), now);
        // Every scan fetches the store once: counting fetches counts scans independently of the server's own count.
        query = new MonitorQuery(() -> {
            storeFetches.incrementAndGet();
            return h.driver.getWindowStore(MonitorTopology.STORE);
        });
    }

    @AfterEach
    void stop() throws Exception {
        for (InputStream s : streams) {
            s.close();
        }
        if (server != null) {
            server.close();
        }
        h.close();
    }

    private MonitorHttpServer serve(MonitorHttpServer.Options options) throws Exception {
        server = new MonitorHttpServer(query, () -> "RUNNING", 0, PERIOD, Clock.systemUTC(), options);
        return server;
    }

    @Test
    void listensOnLoopbackByDefault() throws Exception {
        serve(MonitorHttpServer.Options.defaults());
        assertThat(server.address().getAddress().isLoopbackAddress()).isTrue();
    }

    @Test
    void asksForTheBearerTokenOnEveryEndpointButLiveness() throws Exception {
        serve(MonitorHttpServer.Options.defaults().withBearerToken(TOKEN));
        for (String path : List.of("/monitor/versions", "/monitor/minutes", "/monitor/events", "/health")) {
            assertThat(get(path, null).statusCode()).as(path + " without token").isEqualTo(401);
            assertThat(get(path, "Bearer wrong-" + TOKEN).statusCode())
                    .as(path + " with a wrong token")
                    .isEqualTo(401);
            assertThat(get(path, TOKEN).statusCode())
                    .as(path + " without the Bearer scheme")
                    .isEqualTo(401);
        }
        HttpResponse<String> denied = get("/monitor/versions", null);
        assertThat(denied.headers().firstValue("WWW-Authenticate"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
        assertThat(denied.body()).doesNotContain("\"policyVersion\"");
        assertThat(get("/monitor/versions", "Bearer " + TOKEN).statusCode()).isEqualTo(200);
        assertThat(get("/monitor/minutes", "Bearer " + TOKEN).statusCode()).isEqualTo(200);
        assertThat(get("/health", "Bearer " + TOKEN).statusCode()).isEqualTo(200);
        assertThat(get(MonitorHttpServer.LIVE_PATH, null).statusCode()).isNotEqualTo(401);
    }

    @Test
    void sendsNoWildcardCorsAndNamesOnlyAnAllowedOrigin() throws Exception {
        serve(MonitorHttpServer.Options.defaults().withAllowedOrigins(List.of("http://localhost:8088")));
        HttpResponse<String> foreign = get("/monitor/versions", null, "http://evil.example");
        assertThat(foreign.statusCode()).isEqualTo(200);
        assertThat(foreign.headers().allValues("Access-Control-Allow-Origin")).isEmpty();
        HttpResponse<String> none = get("/monitor/versions", null, null);
        assertThat(none.headers().allValues("Access-Control-Allow-Origin")).isEmpty();
        HttpResponse<String> allowed = get("/monitor/versions", null, "http://localhost:8088");
        assertThat(allowed.headers().allValues("Access-Control-Allow-Origin")).containsExactly("http://localhost:8088");
    }

    @Test
    void refusesAnEventStreamBeyondTheCapWithoutTakingTheRequestThreads() throws Exception {
        // one request thread only: open streams must not hold it
        serve(new MonitorHttpServer.Options(
                "127.0.0.1", java.util.Optional.empty(), List.of(), 1, 2, Duration.ofSeconds(5)));
        openStream();
        openStream();
        HttpResponse<String> third = get("/monitor/events", null);
        assertThat(third.statusCode()).isEqualTo(503);
        assertThat(third.headers().firstValue("Retry-After")).isPresent();
        assertThat(server.sseClients()).isEqualTo(2);
        assertThat(get("/monitor/versions", null).statusCode()).isEqualTo(200);
    }

    @Test
    void manyEventStreamsShareOneStoreScanPerPeriod() throws Exception {
        // given eight streams, each of which has received the totals
        serve(MonitorHttpServer.Options.defaults().withMaxSseClients(8));
        for (int i = 0; i < 8; i++) {
            openStream();
        }
        // when they listen for a while
        long scans0 = server.sseScans();
        long fetches0 = storeFetches.get();
        long start = System.nanoTime();
        await().atMost(Duration.ofSeconds(30)).until(() -> server.sseScans() >= scans0 + 20);
        long fetches = storeFetches.get() - fetches0;
        long periods = Duration.ofNanos(System.nanoTime() - start).toMillis() / PERIOD.toMillis();
        // then the store was scanned at most once per period, not once per stream and period (8 times as often);
        // the scan counter and the fetch counter are read at slightly different moments, hence the slack below
        assertThat(fetches).isGreaterThanOrEqualTo(18).isLessThanOrEqualTo(periods + 2);
    }

    /** Opens an event stream and reads up to its first data line, so the stream is known to be served. */
    private void openStream() throws Exception {
        HttpResponse<InputStream> r = client.send(
                HttpRequest.newBuilder(uri("/monitor/events")).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        streams.add(r.body());
        BufferedReader lines = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8));
        String line;
        do {
            line = lines.readLine();
        } while (line != null && !line.startsWith("data: "));
        assertThat(line).as("first data line").isNotNull();
    }

    private HttpResponse<String> get(String path, String authorization) throws Exception {
        return get(path, authorization, null);
    }

    private HttpResponse<String> get(String path, String authorization, String origin) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        if (origin != null) {
            b.header("Origin", origin);
        }
        // An event stream that is admitted never ends: read only its status and headers then.
        if (path.equals("/monitor/events")) {
            HttpResponse<InputStream> r = client.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            String body = r.statusCode() == 200 ? "" : new String(r.body().readAllBytes(), StandardCharsets.UTF_8);
            if (r.statusCode() == 200) {
                streams.add(r.body());
            }
            return new StringResponse(r, body);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    /** A streamed response seen as a string one. */
    private record StringResponse(HttpResponse<InputStream> r, String body) implements HttpResponse<String> {
        @Override
        public int statusCode() {
            return r.statusCode();
        }

        @Override
        public HttpRequest request() {
            return r.request();
        }

        @Override
        public java.util.Optional<HttpResponse<String>> previousResponse() {
            return java.util.Optional.empty();
        }

        @Override
        public java.net.http.HttpHeaders headers() {
            return r.headers();
        }

        @Override
        public java.util.Optional<javax.net.ssl.SSLSession> sslSession() {
            return r.sslSession();
        }

        @Override
        public URI uri() {
            return r.uri();
        }

        @Override
        public HttpClient.Version version() {
            return r.version();
        }
    }
}
