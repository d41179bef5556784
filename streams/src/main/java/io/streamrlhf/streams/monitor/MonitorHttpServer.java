package io.streamrlhf.streams.monitor;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.streamrlhf.schemas.monitor.ErrorDocument;
import io.streamrlhf.schemas.monitor.MinutesDocument;
import io.streamrlhf.schemas.monitor.MonitorContract;
import io.streamrlhf.schemas.monitor.VersionStats;
import io.streamrlhf.schemas.monitor.VersionsDocument;
import io.streamrlhf.schemas.monitor.VersionsEvent;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
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
 *
 * <p>Hardening ({@link Options}): it binds the loopback address unless told otherwise; with a bearer token every
 * endpoint but {@value #LIVE_PATH} answers 401 without {@code Authorization: Bearer <token>}; no wildcard CORS
 * header is ever sent, only the exact origin of an allow-list; requests run on a fixed pool with a bounded queue
 * (a connection beyond it is closed at once) and each JSON answer must be written within the request timeout. SSE
 * clients are capped (one more gets 503) and served from their own bounded pool, and one store scan per
 * {@code monitor.sse.period}, made only while clients are connected, feeds all of them; the stream always covers
 * the last {@value #SSE_MINUTES} minutes.
 */
public final class MonitorHttpServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(MonitorHttpServer.class);
    private static final long KEEPALIVE_MS = 15_000;
    private static final String RUNNING = "RUNNING";
    /** The one path served without the bearer token: a liveness probe tells nothing about the data. */
    public static final String LIVE_PATH = "/health/live";
    /** Window of the SSE stream, shared by all its clients. */
    public static final int SSE_MINUTES = 60;

    private static final int QUEUED_PER_THREAD = 8;

    /**
     * How the server is exposed.
     *
     * @param bindAddress the address listened on ({@code 127.0.0.1} by default)
     * @param bearerToken the token every request but {@value #LIVE_PATH} must carry, or empty for none
     * @param allowedOrigins origins that get an {@code Access-Control-Allow-Origin} header naming them (never
     *     {@code *}); empty: same-origin only
     * @param threads request threads; requests beyond them and a small queue are refused
     * @param maxSseClients open event streams at once; one more gets 503
     * @param requestTimeout the longest a JSON answer may take to be written before its connection is closed
     */
    public record Options(
            String bindAddress,
            Optional<String> bearerToken,
            List<String> allowedOrigins,
            int threads,
            int maxSseClients,
            Duration requestTimeout) {

        /** Validates, naming the bad value (never the token). */
        public Options {
            Objects.requireNonNull(bindAddress, "bindAddress");
            bearerToken = bearerToken.filter(t -> !t.isBlank());
            allowedOrigins = List.copyOf(allowedOrigins);
            if (allowedOrigins.contains("*")) {
                throw new IllegalArgumentException(
                        "monitor.http.allowed.origins must list origins such as http://localhost:8080, not *");
            }
            if (threads < 1 || maxSseClients < 1) {
                throw new IllegalArgumentException("monitor.http.threads and monitor.sse.max.clients must be >= 1");
            }
            if (requestTimeout.isNegative() || requestTimeout.isZero()) {
                throw new IllegalArgumentException("monitor.http.request.timeout must be positive");
            }
        }

        /** Loopback, no token, same-origin only, 4 threads, 16 event streams, 10 s per answer. */
        public static Options defaults() {
            return new Options("127.0.0.1", Optional.empty(), List.of(), 4, 16, Duration.ofSeconds(10));
        }

        /** A copy with a bearer token. */
        public Options withBearerToken(String token) {
            return new Options(bindAddress, Optional.of(token), allowedOrigins, threads, maxSseClients, requestTimeout);
        }

        /** A copy allowing {@code origins}. */
        public Options withAllowedOrigins(List<String> origins) {
            return new Options(bindAddress, bearerToken, origins, threads, maxSseClients, requestTimeout);
        }

        /** A copy capping event streams at {@code max}. */
        public Options withMaxSseClients(int max) {
            return new Options(bindAddress, bearerToken, allowedOrigins, threads, max, requestTimeout);
        }

        @Override
        public String toString() {
            return "Options[bindAddress=" + bindAddress + ", bearerToken=" + (bearerToken.isPresent() ? "****" : "none")
                    + ", allowedOrigins=" + allowedOrigins + ", threads=" + threads + ", maxSseClients="
                    + maxSseClients + ", requestTimeout=" + requestTimeout + "]";
        }
    }

    /** One scan's answer, shared by every event stream. */
    private record Scan(long sequence, long time, String versionsJson, String eventJson) {}

    private final MonitorQuery query;
    private final Supplier<String> health;
    private final Duration ssePeriod;
    private final Clock clock;
    private final Options options;
    private final byte[] expectedAuthorization;
    private final ObjectMapper json = MonitorContract.mapper();
    private final HttpServer server;
    private final ThreadPoolExecutor executor;
    private final ThreadPoolExecutor sseExecutor;
    private final ScheduledExecutorService scheduler;
    private final AtomicInteger sseClients = new AtomicInteger();
    private final AtomicLong scans = new AtomicLong();
    private final Object scanLock = new Object();
    private Scan latest;
    private volatile boolean running = true;

    /**
     * Starts serving on {@code port} (0: any free port) with {@link Options#defaults()}: loopback only, no token.
     *
     * @param health the text {@code /health} returns (the streams state); 200 only when it is {@code RUNNING}
     */
    public MonitorHttpServer(MonitorQuery query, Supplier<String> health, int port, Duration ssePeriod, Clock clock)
            throws IOException {
        this(query, health, port, ssePeriod, clock, Options.defaults());
    }

    /**
     * Starts serving on {@code port} (0: any free port) as {@code options} say.
     *
     * @param health the text {@code /health} returns (the streams state)
     */
    public MonitorHttpServer(
            MonitorQuery query, Supplier<String> health, int port, Duration ssePeriod, Clock clock, Options options)
            throws IOException {
        this.query = query;
        this.health = health;
        this.ssePeriod = ssePeriod;
        this.clock = clock;
        this.options = options;
        this.expectedAuthorization = options.bearerToken()
                .map(t -> ("Bearer " + t).getBytes(StandardCharsets.UTF_8))
                .orElse(null);
        this.executor = new ThreadPoolExecutor(
                options.threads(),
                options.threads(),
                0,
                TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(options.threads() * QUEUED_PER_THREAD),
                daemon("monitor-http-"),
                new ThreadPoolExecutor.AbortPolicy());
        // Event streams hold their thread for as long as the client listens: a pool of their own, as large as the cap.
        this.sseExecutor = new ThreadPoolExecutor(
                options.maxSseClients(),
                options.maxSseClients(),
                30,
                TimeUnit.SECONDS,
                new SynchronousQueue<>(),
                daemon("monitor-sse-"),
                new ThreadPoolExecutor.AbortPolicy());
        sseExecutor.allowCoreThreadTimeOut(true);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(daemon("monitor-scan-"));
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(options.bindAddress()), port), 0);
        server.setExecutor(executor);
        serve(
                MonitorContract.VERSIONS_PATH,
                ex -> respondJson(ex, () -> new VersionsDocument(versions(ex.getRequestURI()))));
        serve(
                MonitorContract.MINUTES_PATH,
                ex -> respondJson(ex, () -> new MinutesDocument(minutes(ex.getRequestURI()))));
        serve(MonitorContract.EVENTS_PATH, this::events);
        serve("/health", ex -> {
            String state = health.get();
            respond(ex, RUNNING.equals(state) ? 200 : 503, "text/plain", state);
        });
        scheduler.scheduleWithFixedDelay(this::scanForClients, 0, ssePeriod.toMillis(), TimeUnit.MILLISECONDS);
        server.start();
        log.info(
                "Monitor serving on http://{}:{}/monitor/versions ({})",
                options.bindAddress(),
                port(),
                options.bearerToken().isPresent() ? "bearer token required" : "no token");
    }

    private static ThreadFactory daemon(String prefix) {
        AtomicInteger threads = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Adds {@code path}, behind the method check, the bearer token (but on {@value #LIVE_PATH}) and CORS. */
    private void serve(String path, HttpHandler handler) {
        server.createContext(path, ex -> {
            try {
                guarded(ex, handler);
            } catch (IOException | RuntimeException e) {
                ex.close();
                throw e;
            }
        });
    }

    private void guarded(HttpExchange ex, HttpHandler handler) throws IOException {
        allowOrigin(ex);
        String method = ex.getRequestMethod();
        if (method.equals("OPTIONS")) {
            ex.getResponseHeaders().set("Access-Control-Allow-Methods", "GET, HEAD");
            ex.getResponseHeaders().set("Access-Control-Allow-Headers", "Authorization");
            ex.sendResponseHeaders(204, -1);
            ex.close();
            return;
        }
        if (!method.equals("GET") && !method.equals("HEAD")) {
            ex.getResponseHeaders().set("Allow", "GET, HEAD, OPTIONS");
            respond(ex, 405, "text/plain", "only GET");
            return;
        }
        if (!authorized(ex)) {
            ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"streamrlhf-monitor\"");
            respond(ex, 401, "application/json", json.writeValueAsString(new ErrorDocument("bearer token required")));
            return;
        }
        handler.handle(ex);
    }

    /** Whether the request carries the token, compared in constant time; always true without a token. */
    private boolean authorized(HttpExchange ex) {
        if (expectedAuthorization == null || ex.getRequestURI().getPath().equals(LIVE_PATH)) {
            return true;
        }
        String given = ex.getRequestHeaders().getFirst("Authorization");
        return given != null && MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), expectedAuthorization);
    }

    /** Names the request's origin when it is allowed; never {@code *}, nothing for other origins. */
    private void allowOrigin(HttpExchange ex) {
        String origin = ex.getRequestHeaders().getFirst("Origin");
        ex.getResponseHeaders().add("Vary", "Origin");
        if (origin != null && options.allowedOrigins().contains(origin)) {
            ex.getResponseHeaders().set("Access-Control-Allow-Origin", origin);
        }
    }

    /** Open event streams. */
    public int sseClients() {
        return sseClients.get();
    }

    /** Store scans made for event streams so far: one per period while any client listens, however many. */
    public long sseScans() {
        return scans.get();
    }

    /** The address and port served on. */
    public InetSocketAddress address() {
        return server.getAddress();
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
        // A client that does not read its answer would hold a request thread: close the exchange at the deadline.
        ScheduledFuture<?> deadline =
                scheduler.schedule(ex::close, options.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
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
        } finally {
            deadline.cancel(false);
        }
    }

    private static void respond(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type + "; charset=utf-8");
        ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        boolean head = ex.getRequestMethod().equals("HEAD");
        ex.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (head) {
            ex.close();
            return;
        }
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** Admits an event stream under the cap and hands it to the stream pool, freeing the request thread. */
    private void events(HttpExchange ex) throws IOException {
        if (sseClients.incrementAndGet() > options.maxSseClients()) {
            sseClients.decrementAndGet();
            ex.getResponseHeaders().set("Retry-After", "10");
            respond(
                    ex,
                    503,
                    "application/json",
                    json.writeValueAsString(new ErrorDocument("at most " + options.maxSseClients()
                            + " event streams at once (monitor.sse.max.clients)")));
            return;
        }
        try {
            sseExecutor.execute(() -> {
                try {
                    stream(ex);
                } finally {
                    sseClients.decrementAndGet();
                    ex.close();
                }
            });
        } catch (RejectedExecutionException e) {
            sseClients.decrementAndGet();
            throw e;
        }
    }

    private void stream(HttpExchange ex) {
        long seen = -1;
        String last = null;
        long lastWrite = clock.millis();
        try {
            ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
            ex.getResponseHeaders().set("Cache-Control", "no-cache");
            ex.sendResponseHeaders(200, 0);
            OutputStream out = ex.getResponseBody();
            out.write(": streamrlhf monitor\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            wakeScanner();
            while (running) {
                Scan scan = awaitScan(seen, KEEPALIVE_MS);
                if (scan != null && scan.sequence() != seen) {
                    seen = scan.sequence();
                    if (!scan.versionsJson().equals(last)) {
                        out.write(("event: " + MonitorContract.VERSIONS_EVENT + "\ndata: " + scan.eventJson() + "\n\n")
                                .getBytes(StandardCharsets.UTF_8));
                        out.flush();
                        last = scan.versionsJson();
                        lastWrite = clock.millis();
                    }
                }
                if (clock.millis() - lastWrite >= KEEPALIVE_MS || scan == null) {
                    out.write(": keep-alive\n\n".getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    lastWrite = clock.millis();
                }
            }
        } catch (IOException e) {
            log.debug("SSE client went away", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The newest scan once it is newer than {@code seen}, or null after {@code timeoutMs} without one. */
    private Scan awaitScan(long seen, long timeoutMs) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        synchronized (scanLock) {
            while (running && (latest == null || latest.sequence() == seen)) {
                long left = until - System.nanoTime();
                if (left <= 0) {
                    return null;
                }
                TimeUnit.NANOSECONDS.timedWait(scanLock, left);
            }
            return latest;
        }
    }

    /** A new client gets the current totals at once rather than after a period. */
    private void wakeScanner() {
        try {
            scheduler.execute(this::scanForClients);
        } catch (RejectedExecutionException e) {
            log.debug("Monitor closing; no scan for a new client", e);
        }
    }

    /** The one store scan of a period, made only while event streams are open, published to all of them. */
    private void scanForClients() {
        if (sseClients.get() == 0 || !running) {
            return;
        }
        try {
            long now = clock.millis();
            List<VersionStats> versions =
                    query.versions(now - Duration.ofMinutes(SSE_MINUTES).toMillis(), now);
            scans.incrementAndGet();
            String versionsJson = json.writeValueAsString(versions);
            String eventJson = json.writeValueAsString(new VersionsEvent(now, versions));
            synchronized (scanLock) {
                long next = latest == null ? 0 : latest.sequence() + 1;
                latest = new Scan(next, now, versionsJson, eventJson);
                scanLock.notifyAll();
            }
        } catch (InvalidStateStoreException e) {
            log.debug("Monitor store not available yet", e);
        } catch (IOException | RuntimeException e) {
            log.warn("Monitor scan for event streams failed", e);
        }
    }

    @Override
    public void close() {
        running = false;
        synchronized (scanLock) {
            scanLock.notifyAll();
        }
        server.stop(0);
        scheduler.shutdownNow();
        sseExecutor.shutdownNow();
        executor.shutdownNow();
    }
}
