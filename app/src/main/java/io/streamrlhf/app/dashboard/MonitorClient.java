package io.streamrlhf.app.dashboard;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamrlhf.schemas.monitor.MinutesDocument;
import io.streamrlhf.schemas.monitor.MonitorContract;
import io.streamrlhf.schemas.monitor.VersionsDocument;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the streams version monitor over HTTP into the {@link DashboardState}: {@code GET /monitor/versions}
 * (per-version totals over the last {@value #VERSION_MINUTES} minutes) and {@code GET /monitor/minutes}
 * (per-minute rows over the last {@value #SERIES_MINUTES}), relative to the configured base URL. The
 * dashboard sees the monitor only through these documents, typed by the shared {@link MonitorContract} and read
 * with its mapper, never through the streams module's classes; a document that breaks the contract is reported
 * as a monitor failure, naming the field.
 */
final class MonitorClient {

    private static final Logger log = LoggerFactory.getLogger(MonitorClient.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    /** Window of the per-version totals: the monitor store's default retention. */
    static final int VERSION_MINUTES = 1440;
    /** Window of the per-minute series. */
    static final int SERIES_MINUTES = 180;

    private final URI url;
    private final URI versionsUrl;
    private final URI minutesUrl;
    private final DashboardState state;
    private final HttpClient http;
    private final ObjectMapper json;
    private final Optional<String> token;
    private boolean failing;

    MonitorClient(URI url, DashboardState state) {
        this(url, state, Optional.empty());
    }

    /** A client sending {@code token} as a bearer token when present. */
    MonitorClient(URI url, DashboardState state, Optional<String> token) {
        this.url = url;
        this.token = token;
        String base = url.toString().endsWith("/") ? url.toString() : url + "/";
        // The contract's paths are absolute; the monitor may sit under a path prefix of the base URL.
        this.versionsUrl =
                URI.create(base + MonitorContract.VERSIONS_PATH.substring(1) + "?minutes=" + VERSION_MINUTES);
        this.minutesUrl = URI.create(base + MonitorContract.MINUTES_PATH.substring(1) + "?minutes=" + SERIES_MINUTES);
        this.state = state;
        this.json = MonitorContract.mapper();
        this.http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    }

    /** Fetches once; failures are reported in the state, never thrown. */
    void poll() {
        try {
            VersionsDocument versions = fetch(versionsUrl, VersionsDocument.class);
            MinutesDocument minutes = versions == null ? null : fetch(minutesUrl, MinutesDocument.class);
            if (versions == null || minutes == null) {
                return;
            }
            state.onMonitor(versions, minutes);
            if (failing) {
                log.info("Version monitor at {} reachable again", url);
                failing = false;
            }
        } catch (IOException e) {
            fail(
                    "cannot read " + url + ": " + e.getClass().getSimpleName()
                            + (e.getMessage() == null ? "" : " " + e.getMessage()),
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The document at {@code target}, or null after reporting a non-200 answer. A body that breaks the contract
     * throws a Jackson {@code JsonMappingException}, an {@link IOException} reported like an unreachable monitor.
     */
    private <T> T fetch(URI target, Class<T> type) throws IOException, InterruptedException {
        HttpRequest.Builder builder = HttpRequest.newBuilder(target)
                .timeout(TIMEOUT)
                .header("Accept", "application/json")
                .GET();
        token.ifPresent(t -> builder.header("Authorization", "Bearer " + t));
        HttpRequest request = builder.build();
        HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() != 200) {
            // 503 while the streams application rebalances or restores its store.
            fail("HTTP " + response.statusCode() + " from " + target, null);
            return null;
        }
        return json.readValue(response.body(), type);
    }

    private void fail(String message, Exception e) {
        if (!failing) {
            log.info("Version monitor unavailable: {}", message, e);
            failing = true;
        }
        state.onMonitorFailed(message);
    }
}
