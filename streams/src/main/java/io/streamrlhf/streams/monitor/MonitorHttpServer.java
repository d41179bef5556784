package io.streamrlhf.streams.monitor;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.streamrlhf.schemas.monitor.ErrorDocument;
import io.streamrlhf.schemas.monitor.MinutesDocument;
import io.streamrlhf.schemas.monitor.MonitorContract;
import io.streamrlhf.schemas.monitor.VersionStats;
import io.streamrlhf.schemas.monitor.VersionsDocument;
import io.streamrlhf.schemas.monitor.VersionsEvent;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the monitor over HTTP (JDK server), in the documents of {@link MonitorContract}, written by its mapper:
 * <ul>
 *   <li>{@code GET /monitor/versions} - per-version totals ({@link VersionsDocument});</li>
 *   <li>{@code GET /monitor/minutes} - per-version, per-minute rows ({@link MinutesDocument});</li>
 *   <li>{@code GET /monitor/events} - Server-Sent Events: an {@code event: versions} message
 *       ({@link VersionsEvent}) with the totals
 *       whenever they change (checked every {@code monitor.sse.period}), and a comment every 15 s to keep
 *       proxies from closing the stream;</li>
 *   <li>{@code GET /health} - the streams state as text: 200 while it is {@code RUNNING}, 503 otherwise
 *       ({@code REBALANCING}, {@code ERROR}, restarting); the process-wide health of every component is the app's
 *       {@code /health/ready}.</li>
 * </ul>
 * Ranges: {@code from} and {@code to} in epoch ms, or {@code minutes} back from now (default 60). The store may be
 * unavailable while the application rebalances or restores: the JSON endpoints then answer 503
 * ({@link ErrorDocument}).
 */
public final class MonitorHttpServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(MonitorHttpServer.class);
    private static final long KEEPALIVE_MS = 15_000;
    private static final String RUNNING = "RUNNING";

    private final MonitorQuery query;
    private final Supplier<String> health;
    private final Duration ssePeriod;
    private final Clock clock;
    private final ObjectMapper json = MonitorContract.mapper();
    private final HttpServer server;
    private final ExecutorService executor;
    private volatile boolean running = true;

    /**
     * Starts serving on {@code port} (0: any free port) on all interfaces.
     *
     * @param health the text {@code /health} returns (the streams state); 200 only when it is {@code RUNNING}
     */
    public MonitorHttpServer(MonitorQuery query, Supplier<String> health, int port, Duration ssePeriod, Clock clock)
            throws IOException {
        this.query = query;
        this.health = health;
        this.ssePeriod = ssePeriod;
        this.clock = clock;
        AtomicInteger threads = new AtomicInteger();
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "monitor-http-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.server = HttpServer.create(new InetSocketAddress(port), 0);
        server.setExecutor(executor);
        server.createContext(
                MonitorContract.VERSIONS_PATH,
                ex -> respondJson(ex, () -> new VersionsDocument(versions(ex.getRequestURI()))));
        server.createContext(
                MonitorContract.MINUTES_PATH,
                ex -> respondJson(ex, () -> new MinutesDocument(minutes(ex.getRequestURI()))));
        server.createContext(MonitorContract.EVENTS_PATH, this::events);
        server.createContext("/health", ex -> {
            String state = health.get();
            respond(ex, RUNNING.equals(state) ? 200 : 503, "text/plain", state);
        });
        server.start();
        log.info("Monitor serving on http://localhost:{}/monitor/versions", port());
    }

    /** The port served on. */
    public int port() {
        return server.getAddress().getPort();
    }

    private List<VersionStats> versions(URI uri) {
        long[] range = range(uri);
        return query.versions(range[0], range[1]);
    }

    private List<VersionStats> minutes(URI uri) {
        long[] range = range(uri);
        String version = params(uri).get("version");
        return query.minutes(range[0], range[1]).stream()
                .filter(r -> version == null || Long.toString(r.policyVersion()).equals(version))
                .toList();
    }

    private long[] range(URI uri) {
        Map<String, String> p = params(uri);
        long now = clock.millis();
        long to = p.containsKey("to") ? Long.parseLong(p.get("to")) : now;
        long from = p.containsKey("from")
                ? Long.parseLong(p.get("from"))
                : to
                        - Duration.ofMinutes(Long.parseLong(p.getOrDefault("minutes", "60")))
                                .toMillis();
        return new long[] {from, to};
    }

    private static Map<String, String> params(URI uri) {
        Map<String, String> out = new HashMap<>();
        String q = uri.getRawQuery();
        if (q == null) {
            return out;
        }
        for (String pair : q.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                out.put(
                        java.net.URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    private void respondJson(HttpExchange ex, Supplier<Object> body) throws IOException {
        try {
            respond(ex, 200, "application/json", json.writeValueAsString(body.get()));
        } catch (InvalidStateStoreException e) {
            respond(
                    ex,
                    503,
                    "application/json",
                    json.writeValueAsString(
                            new ErrorDocument("monitor store not available yet: rebalancing or restoring")));
        } catch (NumberFormatException e) {
            respond(
                    ex,
                    400,
                    "application/json",
                    json.writeValueAsString(new ErrorDocument("from, to and minutes must be integers")));
        }
    }

    private static void respond(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type + "; charset=utf-8");
        ex.getResponseHeaders().set("Access-Control-Allow-Origin", "*");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    private void events(HttpExchange ex) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        ex.getResponseHeaders().set("Access-Control-Allow-Origin", "*");
        ex.sendResponseHeaders(200, 0);
        URI uri = ex.getRequestURI();
        String last = null;
        long lastWrite = clock.millis();
        try (OutputStream out = ex.getResponseBody()) {
            out.write(": streamrlhf monitor\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            while (running) {
                String body;
                try {
                    List<VersionStats> versions = versions(uri);
                    body = json.writeValueAsString(versions);
                    if (!body.equals(last)) {
                        String data = json.writeValueAsString(new VersionsEvent(clock.millis(), versions));
                        out.write(("event: " + MonitorContract.VERSIONS_EVENT + "\ndata: " + data + "\n\n")
                                .getBytes(StandardCharsets.UTF_8));
                        out.flush();
                        last = body;
                        lastWrite = clock.millis();
                    }
                } catch (InvalidStateStoreException e) {
                    log.debug("Monitor store not available yet", e);
                }
                if (clock.millis() - lastWrite >= KEEPALIVE_MS) {
                    out.write(": keep-alive\n\n".getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    lastWrite = clock.millis();
                }
                Thread.sleep(ssePeriod.toMillis());
            }
        } catch (IOException e) {
            log.debug("SSE client went away", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running = false;
        server.stop(0);
        executor.shutdownNow();
    }
}
