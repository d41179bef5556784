package io.streamrlhf.producers.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.streamrlhf.producers.client.ChatFeedbackClient;
import io.streamrlhf.producers.client.ChatResponse;
import io.streamrlhf.producers.client.PublishException;
import io.streamrlhf.producers.config.GatewayConfig;
import io.streamrlhf.schemas.registry.SchemaRegistryClient;
import io.streamrlhf.schemas.util.Shutdown;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP ingestion gateway: JSON endpoints for web front ends that cannot speak Kafka.
 *
 * <ul>
 *   <li>{@code POST /v1/responses}, {@code POST /v1/feedback}, {@code POST /v1/preferences}: answer 202 with
 *       the event id only after Kafka acknowledged the write (all in-sync replicas, idempotent producer)</li>
 *   <li>{@code GET /healthz}: 200 while the gateway runs (no key needed)</li>
 * </ul>
 * Refusals, each with a JSON {@code {"error", "reason"}} body and nothing produced: 401 without a valid API key,
 * 404/405 for wrong paths and methods, 415 for a non-JSON content type, 413 for a body over the limit, 400 for
 * malformed JSON, unknown or duplicate fields, wrong types and missing fields, 422 for unknown response ids
 * (when checked). When Kafka cannot take a write: 429 (producer buffer or in-flight limit full) or 503
 * (broker or registry unavailable, ack timeout), both with {@code Retry-After}; never a silent drop.
 *
 * <p>Requests are answered asynchronously: a handler thread validates and hands the event to the producer,
 * and the acknowledgement completes the exchange, so waiting on Kafka never pins a thread.
 */
public final class IngestionGateway implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(IngestionGateway.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** JDK property: TCP_NODELAY on the server's accepted sockets. */
    static final String NODELAY_PROPERTY = "sun.net.httpserver.nodelay";
    /** Most bytes of an oversize body read and discarded so that the client still gets its 413. */
    static final long DRAIN_LIMIT_BYTES = 4L * 1024 * 1024;

    static {
        // The JDK server writes headers and body separately; with Nagle's algorithm on, the body waits for the
        // client's delayed ACK, about 40 ms per request (measured: p50 55 ms -> 10 ms on loopback). The JDK reads
        // this once, when the first HttpServer of the JVM starts; an explicit -D setting wins.
        if (System.getProperty(NODELAY_PROPERTY) == null) {
            System.setProperty(NODELAY_PROPERTY, "true");
        }
    }

    /** The event endpoints. */
    enum Endpoint {
        RESPONSES("/v1/responses", "responseId"),
        FEEDBACK("/v1/feedback", "feedbackId"),
        PREFERENCES("/v1/preferences", "preferenceId");

        final String path;
        final String idField;

        Endpoint(String path, String idField) {
            this.path = path;
            this.idField = idField;
        }
    }

    private final GatewayConfig config;
    private final ChatFeedbackClient client;
    private final boolean ownsClient;
    private final ApiKeys apiKeys;
    private final RecentResponses recent;
    private final RequestParser parser = new RequestParser();
    private final Semaphore inFlight;
    private final Duration ackTimeout;
    private final Map<Integer, LongAdder> answered = new ConcurrentHashMap<>();
    private HttpServer server;
    private ExecutorService executor;
    private ResponseTail tail;

    /** A gateway with its own idempotent producer, writing to the topics in {@code config}. */
    public IngestionGateway(GatewayConfig config, SchemaRegistryClient registry) {
        this(config, new ChatFeedbackClient(config.client(), registry), true);
    }

    /** A gateway writing through {@code client}, which the caller keeps and closes. */
    public IngestionGateway(GatewayConfig config, ChatFeedbackClient client) {
        this(config, client, false);
    }

    private IngestionGateway(GatewayConfig config, ChatFeedbackClient client, boolean ownsClient) {
        this.config = Objects.requireNonNull(config, "config");
        this.client = Objects.requireNonNull(client, "client");
        this.ownsClient = ownsClient;
        this.apiKeys = new ApiKeys(config.apiKeys());
        this.recent = new RecentResponses(config.recentResponseIds());
        this.inFlight = new Semaphore(config.maxInFlight());
        // A write fails inside the producer after max.block + delivery timeout; the margin only guards
        // against a lost callback, so no request can hang forever.
        this.ackTimeout = config.client()
                .maxBlock()
                .plus(config.client().deliveryTimeout())
                .plusSeconds(2);
    }

    /** Binds the listener and starts serving; returns this. */
    public synchronized IngestionGateway start() {
        if (server != null) {
            throw new IllegalStateException("gateway already started on port " + port());
        }
        AtomicInteger threadIds = new AtomicInteger();
        executor = Executors.newFixedThreadPool(config.threads(), r -> {
            Thread t = new Thread(r, "gateway-" + threadIds.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try {
            server = HttpServer.create(new InetSocketAddress(config.bindAddress(), config.port()), 1024);
        } catch (IOException e) {
            executor.shutdownNow();
            throw new UncheckedIOException("Cannot listen on " + config.bindAddress() + ":" + config.port(), e);
        }
        for (Endpoint endpoint : Endpoint.values()) {
            server.createContext(endpoint.path, ex -> handle(ex, endpoint));
        }
        server.createContext("/healthz", this::health);
        server.createContext(
                "/",
                ex -> respondError(
                        ex, 404, "no such endpoint: " + ex.getRequestURI().getPath()));
        server.setExecutor(executor);
        if (config.responseIdCheck() == GatewayConfig.ResponseIdCheck.TOPIC) {
            tail = new ResponseTail(
                    config.client().connection(), client.topics().responses(), recent, config.recentResponseIds());
            tail.start();
        }
        server.start();
        log.info(
                "Ingestion gateway listening on {}:{} (response id check {})",
                config.bindAddress(),
                port(),
                config.responseIdCheck());
        return this;
    }

    /** The bound port. */
    public synchronized int port() {
        if (server == null) {
            throw new IllegalStateException("gateway not started");
        }
        return server.getAddress().getPort();
    }

    /** Requests answered so far, per HTTP status (for metrics). */
    public Map<Integer, Long> answeredByStatus() {
        Map<Integer, Long> out = new TreeMap<>();
        answered.forEach((status, n) -> out.put(status, n.sum()));
        return out;
    }

    /** {@code http://host:port} of this gateway on loopback. */
    public URI baseUri() {
        return URI.create("http://127.0.0.1:" + port());
    }

    private void handle(HttpExchange ex, Endpoint endpoint) {
        boolean handedOff = false;
        boolean acquired = false;
        try {
            if (!ex.getRequestURI().getPath().equals(endpoint.path)) {
                respondError(ex, 404, "no such endpoint: " + ex.getRequestURI().getPath());
                return;
            }
            if (!ex.getRequestMethod().equals("POST")) {
                ex.getResponseHeaders().set("Allow", "POST");
                respondError(ex, 405, endpoint.path + " accepts POST only");
                return;
            }
            if (!apiKeys.accepts(
                    ex.getRequestHeaders().getFirst(ApiKeys.HEADER),
                    ex.getRequestHeaders().getFirst("Authorization"))) {
                ex.getResponseHeaders().set("WWW-Authenticate", "Bearer");
                respondError(ex, 401, "missing or unknown API key: send it in the " + ApiKeys.HEADER + " header");
                return;
            }
            String contentType = ex.getRequestHeaders().getFirst("Content-Type");
            if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("application/json")) {
                respondError(ex, 415, "Content-Type must be application/json, was " + contentType);
                return;
            }
            String declared = ex.getRequestHeaders().getFirst("Content-Length");
            if (declared != null && parseLength(declared) > config.maxBodyBytes()) {
                drain(ex.getRequestBody());
                respondError(ex, 413, "body of " + declared + " bytes exceeds the limit of " + config.maxBodyBytes());
                return;
            }
            if (!inFlight.tryAcquire()) {
                respondRetry(
                        ex,
                        429,
                        config.overloadedRetryAfter(),
                        "too many requests in flight (" + config.maxInFlight() + "); retry later");
                return;
            }
            acquired = true;
            byte[] body = readBody(ex.getRequestBody(), config.maxBodyBytes());
            CompletableFuture<String> write = switch (endpoint) {
                case RESPONSES -> recordResponse(body);
                case FEEDBACK -> recordFeedback(body);
                case PREFERENCES -> recordPreference(body);
            };
            handedOff = true;
            write.orTimeout(ackTimeout.toMillis(), TimeUnit.MILLISECONDS)
                    .whenCompleteAsync(
                            (id, error) -> {
                                try {
                                    if (error == null) {
                                        respondJson(ex, 202, Map.of(endpoint.idField, id));
                                    } else {
                                        respondFailure(ex, endpoint, error);
                                    }
                                } finally {
                                    inFlight.release();
                                }
                            },
                            executor);
        } catch (InvalidRequestException e) {
            log.debug("Refused {} {}: {}", endpoint.path, e.status(), e.getMessage());
            respondError(ex, e.status(), e.getMessage());
        } catch (RuntimeException e) {
            log.error("Unexpected error handling {}", endpoint.path, e);
            respondError(ex, 500, "internal error: " + e.getClass().getSimpleName());
        } finally {
            if (acquired && !handedOff) {
                inFlight.release();
            }
        }
    }

    private CompletableFuture<String> recordResponse(byte[] body) {
        ChatResponse response = parser.parseResponse(body);
        return client.recordResponse(response).thenApply(id -> {
            recent.remember(id, response.promptId());
            return id;
        });
    }

    private CompletableFuture<String> recordFeedback(byte[] body) {
        FeedbackRequest r = parser.parseFeedback(body);
        requireKnown(r.responseId());
        return client.feedback(r.kind(), r.responseId(), r.userId(), r.comment(), r.feedbackId());
    }

    private CompletableFuture<String> recordPreference(byte[] body) {
        PreferenceRequest r = parser.parsePreference(body);
        for (String id : new String[] {r.chosenResponseId(), r.rejectedResponseId()}) {
            Optional<String> prompt = requireKnown(id);
            if (prompt.isPresent() && !prompt.get().equals(r.promptId())) {
                throw InvalidRequestException.unprocessable(
                        "response '" + id + "' answers prompt '" + prompt.get() + "', not '" + r.promptId() + "'");
            }
        }
        return client.prefer(r.promptId(), r.chosenResponseId(), r.rejectedResponseId(), r.userId(), r.preferenceId());
    }

    private Optional<String> requireKnown(String responseId) {
        if (config.responseIdCheck() == GatewayConfig.ResponseIdCheck.OFF) {
            return Optional.empty();
        }
        Optional<String> prompt = recent.promptOf(responseId);
        if (prompt.isEmpty()) {
            throw InvalidRequestException.unprocessable("unknown responseId '" + responseId + "': "
                    + (config.responseIdCheck() == GatewayConfig.ResponseIdCheck.TOPIC
                            ? "not among the recent responses (record it first; one recorded elsewhere a moment ago may "
                                    + "still be on its way, retry)"
                            : "not recorded through this gateway recently (POST /v1/responses first)"));
        }
        return prompt;
    }

    private void respondFailure(HttpExchange ex, Endpoint endpoint, Throwable error) {
        PublishException failure = PublishException.of("event", error);
        log.warn("Write for {} failed ({}): {}", endpoint.path, failure.reason(), failure.getMessage());
        switch (failure.reason()) {
            case OVERLOADED ->
                respondRetry(ex, 429, config.overloadedRetryAfter(), "Kafka producer buffer full; retry later");
            case UNAVAILABLE, CLOSED, INTERRUPTED ->
                respondRetry(
                        ex,
                        503,
                        config.unavailableRetryAfter(),
                        "Kafka did not acknowledge the write (" + failure.reason()
                                + "); nothing was recorded, retry later");
            case REJECTED -> {
                if (failure.getCause() instanceof RecordTooLargeException) {
                    respondError(ex, 413, "event too large for Kafka");
                } else {
                    respondError(ex, 500, "event could not be written: " + failure.getCause());
                }
            }
        }
    }

    private void health(HttpExchange ex) {
        respondJson(ex, 200, Map.of("status", "ok"));
    }

    private static long parseLength(String header) {
        try {
            return Long.parseLong(header.trim());
        } catch (NumberFormatException e) {
            throw InvalidRequestException.badRequest("invalid Content-Length '" + header + "'");
        }
    }

    private static byte[] readBody(InputStream in, int max) {
        try (in) {
            byte[] body = in.readNBytes(max + 1);
            if (body.length > max) {
                drain(in);
                throw new InvalidRequestException(413, "body exceeds the limit of " + max + " bytes");
            }
            return body;
        } catch (IOException e) {
            throw InvalidRequestException.badRequest("could not read the body: " + e.getMessage());
        }
    }

    /**
     * Reads and discards what is left of a refused body, up to {@link #DRAIN_LIMIT_BYTES}: an HTTP/1.1 client
     * reads the answer only after sending its whole body, so closing on it mid-body would turn a clean 413 into a
     * connection error. Beyond the limit the connection is simply closed.
     */
    private static void drain(InputStream in) {
        try {
            long left = DRAIN_LIMIT_BYTES;
            byte[] buffer = new byte[8192];
            int n;
            while (left > 0 && (n = in.read(buffer, 0, (int) Math.min(buffer.length, left))) > 0) {
                left -= n;
            }
        } catch (IOException e) {
            log.debug("Client stopped sending a refused body", e);
        }
    }

    private void respondRetry(HttpExchange ex, int status, Duration retryAfter, String reason) {
        long seconds = Math.max(1, (retryAfter.toMillis() + 999) / 1000);
        ex.getResponseHeaders().set("Retry-After", String.valueOf(seconds));
        respondError(ex, status, reason);
    }

    private void respondError(HttpExchange ex, int status, String reason) {
        respondJson(ex, status, Map.of("error", errorName(status), "reason", reason));
    }

    private void respondJson(HttpExchange ex, int status, Map<String, ?> body) {
        answered.computeIfAbsent(status, s -> new LongAdder()).increment();
        try (ex) {
            byte[] bytes = JSON.writeValueAsBytes(body);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(status, bytes.length);
            ex.getResponseBody().write(bytes);
        } catch (IOException e) {
            log.debug("Client went away before the {} answer was written", status, e);
        }
    }

    private static String errorName(int status) {
        return switch (status) {
            case 400 -> "bad_request";
            case 401 -> "unauthorized";
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            case 413 -> "payload_too_large";
            case 415 -> "unsupported_media_type";
            case 422 -> "unprocessable";
            case 429 -> "too_many_requests";
            case 503 -> "unavailable";
            default -> "error";
        };
    }

    /** Stops accepting requests, lets running ones finish (up to two seconds), and closes its own producer. */
    @Override
    public synchronized void close() {
        if (server != null) {
            // HttpServer.stop(delay) always waits the whole delay on JDK 17, so wait for in-flight writes here.
            // Holding every permit means no request is waiting on Kafka any more.
            try {
                if (inFlight.tryAcquire(config.maxInFlight(), 2, TimeUnit.SECONDS)) {
                    inFlight.release(config.maxInFlight());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            server.stop(0);
            server = null;
        }
        if (executor != null) {
            Shutdown.executor(executor, Duration.ofSeconds(5));
            executor = null;
        }
        if (tail != null) {
            tail.close();
            tail = null;
        }
        if (ownsClient) {
            client.close();
        }
    }
}
