package io.streamrlhf.app.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the streams version monitor's JSON over HTTP into the {@link DashboardState}. The dashboard sees the
 * monitor only through this document, never through the streams module's classes.
 */
final class MonitorClient {

    private static final Logger log = LoggerFactory.getLogger(MonitorClient.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final URI url;
    private final DashboardState state;
    private final HttpClient http;
    private final ObjectMapper json;
    private boolean failing;

    MonitorClient(URI url, DashboardState state, ObjectMapper json) {
        this.url = url;
        this.state = state;
        this.json = json;
        this.http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    }

    /** Fetches once; failures are reported in the state, never thrown. */
    void poll() {
        HttpRequest request = HttpRequest.newBuilder(url).timeout(TIMEOUT).header("Accept", "application/json").GET()
                .build();
        try {
            HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != 200) {
                fail("HTTP " + response.statusCode() + " from " + url, null);
                return;
            }
            JsonNode root = json.readTree(response.body());
            state.onMonitor(MonitorJson.parse(root));
            if (failing) {
                log.info("Version monitor at {} reachable again", url);
                failing = false;
            }
        } catch (IOException e) {
            fail("cannot read " + url + ": " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " " + e.getMessage()), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void fail(String message, Exception e) {
        if (!failing) {
            log.info("Version monitor unavailable: {}", message, e);
            failing = true;
        }
        state.onMonitorFailed(message);
    }
}
