package io.streamrlhf.app.ops;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The health and metrics server of one process (JDK HTTP server, loopback by default):
 * <ul>
 *   <li>{@code GET /health/live} - 200 unless a component's supervisor gave up (the process is about to exit);
 *       503 otherwise;</li>
 *   <li>{@code GET /health/ready} - 200 when every component is ready (streams RUNNING, the trainer training,
 *       the sampler serving a policy, ...), 503 otherwise;</li>
 *   <li>{@code GET /health} - the same as {@code /health/ready};</li>
 *   <li>{@code GET /metrics} - the process's meters in the Prometheus text format.</li>
 * </ul>
 * The health endpoints answer a JSON body with each component's state. Two handler threads and a queue of 16:
 * a scrape or probe never blocks on a component (reports are read from volatile state), and a flood of
 * connections is refused rather than queued without bound.
 */
public final class OpsServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(OpsServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** JDK property: most seconds to read a request's headers before the connection is closed. */
    static final String MAX_REQUEST_TIME_PROPERTY = "sun.net.httpserver.maxReqTime";

    static {
        // A probe that opens a connection and never sends its request must not hold a handler forever. The JDK
        // reads this once, when the first HttpServer of the JVM starts; an explicit -D setting wins.
        if (System.getProperty(MAX_REQUEST_TIME_PROPERTY) == null) {
            System.setProperty(MAX_REQUEST_TIME_PROPERTY, "30");
        }
    }

    private final Supplier<List<Supervisor.Report>> reports;
    private final Supplier<String> metrics;
    private final HttpServer server;
    private final ThreadPoolExecutor executor;

    /**
     * Starts serving.
     *
     * @param bind the address to listen on
     * @param port the port (0: any free one)
     * @param reports every supervised component's report
     * @param metrics the Prometheus exposition of the process's meters
     */
    public OpsServer(String bind, int port, Supplier<List<Supervisor.Report>> reports, Supplier<String> metrics)
            throws IOException {
        this.reports = reports;
        this.metrics = metrics;
        AtomicInteger threads = new AtomicInteger();
        this.executor = new ThreadPoolExecutor(
                2,
                2,
                30,
                TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(16),
                r -> {
                    Thread t = new Thread(r, "ops-http-" + threads.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                },
                new ThreadPoolExecutor.AbortPolicy());
        this.server = HttpServer.create(new InetSocketAddress(bind, port), 16);
        server.setExecutor(executor);
        server.createContext("/health/live", ex -> health(ex, Supervisor.Report::live));
        server.createContext("/health/ready", ex -> health(ex, Supervisor.Report::ready));
        server.createContext("/health", ex -> {
            if (ex.getRequestURI().getPath().equals("/health")) {
                health(ex, Supervisor.Report::ready);
            } else {
                respond(ex, 404, "text/plain", "no such endpoint\n");
            }
        });
        server.createContext("/metrics", ex -> respond(ex, 200, "text/plain; version=0.0.4", metrics.get()));
        server.createContext("/", ex -> respond(ex, 404, "text/plain", "no such endpoint\n"));
        server.start();
        log.info("Health and metrics on http://{}:{}/health/ready and /metrics", bind, port());
    }

    /** The port served on. */
    public int port() {
        return server.getAddress().getPort();
    }

    private void health(HttpExchange ex, java.util.function.Predicate<Supervisor.Report> check) throws IOException {
        List<Supervisor.Report> all = reports.get();
        boolean up = all.stream().allMatch(check);
        List<Map<String, Object>> components = new ArrayList<>();
        for (Supervisor.Report r : all) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("component", r.component());
            c.put("status", r.status().name());
            c.put("state", r.health() == null ? r.status().name() : r.health().state());
            c.put("live", r.live());
            c.put("ready", r.ready());
            if (r.health() != null && !r.health().detail().isEmpty()) {
                c.put("detail", r.health().detail());
            }
            c.put("restarts", r.restarts());
            c.put("consecutiveFailures", r.consecutiveFailures());
            if (!r.lastError().isEmpty()) {
                c.put("lastError", r.lastError());
            }
            components.add(c);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", up ? "UP" : "DOWN");
        body.put("components", components);
        respond(ex, up ? 200 : 503, "application/json", JSON.writeValueAsString(body));
    }

    private static void respond(HttpExchange ex, int status, String type, String body) throws IOException {
        try (ex) {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", type + "; charset=utf-8");
            ex.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
