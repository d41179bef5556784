package io.streamrlhf.app.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamrlhf.schemas.topic.TopicNames;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DashboardHttpTest {

    private final HttpClient client = HttpClient.newHttpClient();
    private DashboardState state;
    private DashboardHttp http;

    @BeforeEach
    void start() {
        state = new DashboardState(Clock.systemUTC(), TopicNames.defaults(), "127.0.0.1:9092", null);
        http = new DashboardHttp("127.0.0.1", 0, state, new ObjectMapper(), Duration.ofMillis(200)).start();
    }

    @AfterEach
    void stop() {
        http.close();
    }

    @Test
    void servesThePageAndItsFilesOnLoopback() throws Exception {
        assertThat(http.url().getHost()).isEqualTo("127.0.0.1");
        HttpResponse<String> page = get("/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
        // Nothing from the network: every script, style and image is served by the dashboard itself.
        assertThat(page.body())
                .contains("StreamRLHF", "app.js", "charts.js")
                .doesNotContainPattern("(src|href)=\"(https?:)?//");
        for (String file : new String[] {"/app.js", "/charts.js", "/style.css"}) {
            assertThat(get(file).statusCode()).as(file).isEqualTo(200);
        }
    }

    @Test
    void servesNothingOutsideThePagesFiles() throws Exception {
        assertThat(get("/logback.xml").statusCode()).isEqualTo(404);
        assertThat(get("/dashboard/index.html").statusCode()).isEqualTo(404);
        assertThat(get("/io/streamrlhf/app/dashboard/Dashboard.class").statusCode())
                .isEqualTo(404);
        assertThat(get("/nope.js").statusCode()).isEqualTo(404);
    }

    @Test
    void doesNotRememberFileNamesItDoesNotHave() throws Exception {
        // given the page loaded once, so its real files are cached
        assertThat(get("/").statusCode()).isEqualTo(200);
        assertThat(get("/app.js").statusCode()).isEqualTo(200);
        int cached = http.cachedFiles();
        // when a client asks for many made-up names that look like the page's files
        for (int i = 0; i < 300; i++) {
            assertThat(get("/made-up-" + i + ".js").statusCode()).isEqualTo(404);
        }
        // then nothing more is held in memory, and real files are still served
        assertThat(http.cachedFiles()).isEqualTo(cached);
        assertThat(get("/app.js").statusCode()).isEqualTo(200);
    }

    @Test
    void acceptsOnlyReads() throws Exception {
        HttpResponse<String> post = client.send(
                HttpRequest.newBuilder(http.url().resolve("/api/state"))
                        .POST(HttpRequest.BodyPublishers.ofString("{}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("Allow")).contains("GET, HEAD");
    }

    @Test
    void stateIsTheCurrentSnapshotAsJson() throws Exception {
        state.onPolicyVersion(Records.version(4, Instant.now(), 12));

        HttpResponse<String> response = get("/api/state");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).contains("application/json");
        assertThat(new ObjectMapper()
                        .readTree(response.body())
                        .path("versions")
                        .get(0)
                        .path("version")
                        .asLong())
                .isEqualTo(4);
    }

    @Test
    void eventStreamSendsASnapshotThenHeartbeatsThenEachChange() throws Exception {
        try (Socket socket = openStream()) {
            BufferedReader in = reader(socket);
            assertThat(readUntil(in, "event: snapshot")).contains("text/event-stream");
            readUntil(in, ": heartbeat");

            state.onPolicyVersion(Records.version(5, Instant.now(), 3));

            assertThat(readUntil(in, "\"version\":5")).contains("event: snapshot");
        }
    }

    @Test
    void aStreamsThreadEndsWhenItsClientGoesAway() throws Exception {
        Socket socket = openStream();
        readUntil(reader(socket), "event: snapshot");
        assertThat(http.openStreams()).isEqualTo(1);

        socket.close();

        await().atMost(Duration.ofSeconds(20)).until(() -> http.openStreams() == 0);
    }

    @Test
    void closingTheServerEndsOpenStreams() throws Exception {
        try (Socket socket = openStream()) {
            BufferedReader in = reader(socket);
            readUntil(in, "event: snapshot");

            http.close();

            assertThat(http.openStreams()).isZero();
            // The server closed the connection: the reader reaches the end instead of blocking.
            while (in.readLine() != null) {
                // drain
            }
        }
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return client.send(
                HttpRequest.newBuilder(http.url().resolve(path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private Socket openStream() throws IOException {
        URI url = http.url();
        Socket socket = new Socket(url.getHost(), url.getPort());
        socket.setSoTimeout(10_000);
        OutputStream out = socket.getOutputStream();
        out.write(("GET /api/events HTTP/1.1\r\nHost: " + url.getHost() + "\r\nAccept: text/event-stream\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return socket;
    }

    private static BufferedReader reader(Socket socket) throws IOException {
        return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
    }

    /** Reads lines until one contains {@code marker}; returns everything read. Fails on timeout or end. */
    private static String readUntil(BufferedReader in, String marker) throws IOException {
        StringBuilder seen = new StringBuilder();
        String line;
        while ((line = in.readLine()) != null) {
            seen.append(line).append('\n');
            if (line.contains(marker)) {
                return seen.toString();
            }
        }
        throw new AssertionError("Stream ended before '" + marker + "'; read:\n" + seen);
    }
}
