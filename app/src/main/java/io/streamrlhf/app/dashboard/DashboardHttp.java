package io.streamrlhf.app.dashboard;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.streamrlhf.schemas.util.Shutdown;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dashboard's HTTP side on the JDK's server: {@code GET /} the page and its static files (from
 * {@code dashboard/} on the class path), {@code GET /api/state} the current {@link DashboardSnapshot} as JSON,
 * {@code GET /api/events} a Server-Sent Events stream of snapshots.
 *
 * <p>Each event-stream client holds one thread, which sleeps until the state changes (sending at most one
 * snapshot per {@link #MIN_EVENT_INTERVAL_MS}) or a heartbeat is due; a client that has gone away is noticed by
 * the failed write and its thread ends. At most {@link #MAX_STREAMS} streams are open at once, on a bounded pool;
 * the page's files are cached once found, unknown names never.
 */
final class DashboardHttp implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DashboardHttp.class);
    static final int MAX_STREAMS = 32;
    /** Threads for pages and state beyond those the event streams may hold. */
    static final int REQUEST_THREADS = 8;
    /** Requests waiting for a thread before more are refused. */
    static final int QUEUED_REQUESTS = 64;

    static final long MIN_EVENT_INTERVAL_MS = 500;
    private static final Pattern STATIC_NAME = Pattern.compile("[a-z0-9-]+\\.(html|js|css|svg)");
    private static final Map<String, String> CONTENT_TYPES = Map.of(
            "html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "svg", "image/svg+xml");

    private final String bindAddress;
    private final int port;
    private final DashboardState state;
    private final ObjectMapper json;
    private final long heartbeatMs;
    private final AtomicInteger openStreams = new AtomicInteger();
    private final CountDownLatch closing = new CountDownLatch(1);
    private final Map<String, byte[]> staticFiles = new ConcurrentHashMap<>();
    private final Object snapshotLock = new Object();
    private long cachedRevision = -1;
    private byte[] cachedSnapshot;
    private HttpServer server;
    private ExecutorService executor;

    DashboardHttp(String bindAddress, int port, DashboardState state, ObjectMapper json, Duration heartbeat) {
        this.bindAddress = bindAddress;
        this.port = port;
        this.state = state;
        this.json = json;
        this.heartbeatMs = heartbeat.toMillis();
    }

    DashboardHttp start() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(bindAddress), port), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "Dashboard cannot listen on " + bindAddress + ":" + port
                            + " (set dashboard.port to a free port, or 0 for any)",
                    e);
        }
        AtomicInteger threads = new AtomicInteger();
        // Every event stream holds a thread: room for all of them plus a few for pages and state, and a short
        // queue; a connection beyond that is closed at once rather than growing the pool without bound.
        executor = new ThreadPoolExecutor(
                MAX_STREAMS + REQUEST_THREADS,
                MAX_STREAMS + REQUEST_THREADS,
                30,
                TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(QUEUED_REQUESTS),
                r -> {
                    Thread t = new Thread(r, "dashboard-http-" + threads.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                },
                new ThreadPoolExecutor.AbortPolicy());
        ((ThreadPoolExecutor) executor).allowCoreThreadTimeOut(true);
        server.setExecutor(executor);
        server.createContext("/", this::handleStatic);
        server.createContext("/api/state", this::handleState);
        server.createContext("/api/events", this::handleEvents);
        server.start();
        return this;
    }

    /** The page's address. */
    URI url() {
        InetSocketAddress address = server.getAddress();
        InetAddress ip = address.getAddress();
        String host = ip.isAnyLocalAddress() ? "localhost" : ip.getHostAddress();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return URI.create("http://" + host + ":" + address.getPort() + "/");
    }

    /** Event streams currently open. */
    int openStreams() {
        return openStreams.get();
    }

    private void handleStatic(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!allowGet(exchange)) {
                return;
            }
            String path = exchange.getRequestURI().getPath();
            String name = path.equals("/") ? "index.html" : path.substring(1);
            Optional<byte[]> body = STATIC_NAME.matcher(name).matches() ? staticFile(name) : Optional.empty();
            if (body.isEmpty()) {
                send(
                        exchange,
                        404,
                        "text/plain; charset=utf-8",
                        ("Not found: " + path).getBytes(StandardCharsets.UTF_8));
                return;
            }
            send(exchange, 200, CONTENT_TYPES.get(name.substring(name.lastIndexOf('.') + 1)), body.get());
        }
    }

    /**
     * A file of the page, cached once found. Names that are not there are looked up again each time rather than
     * remembered, so a client asking for made-up names cannot grow the cache.
     */
    private Optional<byte[]> staticFile(String name) {
        byte[] cached = staticFiles.get(name);
        if (cached != null) {
            return Optional.of(cached);
        }
        Optional<byte[]> found = readResource(name);
        found.ifPresent(bytes -> staticFiles.putIfAbsent(name, bytes));
        return found;
    }

    /** Files of the page held in memory. */
    int cachedFiles() {
        return staticFiles.size();
    }

    private void handleState(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (allowGet(exchange)) {
                send(exchange, 200, "application/json", snapshotJson());
            }
        }
    }

    private void handleEvents(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!allowGet(exchange)) {
                return;
            }
            if (exchange.getRequestMethod().equals("HEAD")) {
                exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
                exchange.sendResponseHeaders(200, -1);
                return;
            }
            if (openStreams.incrementAndGet() > MAX_STREAMS) {
                openStreams.decrementAndGet();
                exchange.getResponseHeaders().set("Retry-After", "10");
                send(
                        exchange,
                        503,
                        "text/plain; charset=utf-8",
                        ("At most " + MAX_STREAMS + " dashboard streams at once").getBytes(StandardCharsets.UTF_8));
                return;
            }
            try {
                stream(exchange);
            } finally {
                openStreams.decrementAndGet();
            }
        }
    }

    private void stream(HttpExchange exchange) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.getResponseHeaders().set("X-Accel-Buffering", "no");
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        try {
            write(out, "retry: 2000\n\n");
            long sent = -1;
            while (closing.getCount() > 0) {
                long revision = state.revision();
                if (revision != sent) {
                    byte[] snapshot = snapshotJson();
                    write(out, "event: snapshot\nid: " + revision + "\ndata: ");
                    out.write(snapshot);
                    write(out, "\n\n");
                    sent = revision;
                    // Coalesce bursts (a replay of thousands of records) into a few snapshots.
                    if (closing.await(MIN_EVENT_INTERVAL_MS, TimeUnit.MILLISECONDS)) {
                        return;
                    }
                } else if (state.awaitChange(sent, heartbeatMs) == sent && closing.getCount() > 0) {
                    write(out, ": heartbeat\n\n");
                }
            }
        } catch (IOException e) {
            log.debug("Dashboard event stream client went away: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private byte[] snapshotJson() throws JsonProcessingException {
        synchronized (snapshotLock) {
            long revision = state.revision();
            if (revision != cachedRevision || cachedSnapshot == null) {
                cachedSnapshot = json.writeValueAsBytes(state.snapshot());
                cachedRevision = revision;
            }
            return cachedSnapshot;
        }
    }

    private static boolean allowGet(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod();
        if (method.equals("GET") || method.equals("HEAD")) {
            return true;
        }
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        send(exchange, 405, "text/plain; charset=utf-8", "Only GET".getBytes(StandardCharsets.UTF_8));
        return false;
    }

    private static void send(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(status, head ? -1 : body.length);
        if (!head) {
            exchange.getResponseBody().write(body);
        }
    }

    private static Optional<byte[]> readResource(String name) {
        try (InputStream in = DashboardHttp.class.getClassLoader().getResourceAsStream("dashboard/" + name)) {
            return in == null ? Optional.empty() : Optional.of(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read dashboard/" + name + " from the class path", e);
        }
    }

    /** Ends every event stream, stops listening and waits for the handler threads. */
    @Override
    public void close() {
        closing.countDown();
        state.wakeAll();
        if (server != null) {
            // Event streams end by themselves on the latch above; nothing else is worth waiting for.
            server.stop(0);
        }
        if (executor != null) {
            Shutdown.executor(executor, Duration.ofSeconds(5));
        }
    }
}
