package io.streamrlhf.producers.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.streamrlhf.avro.ErasureReport;
import io.streamrlhf.producers.client.ChatFeedbackClient;
import io.streamrlhf.producers.client.ChatResponse;
import io.streamrlhf.producers.client.ClientEvent;
import io.streamrlhf.producers.client.PublishException;
import io.streamrlhf.producers.config.GatewayConfig;
import io.streamrlhf.producers.erasure.ErasureReports;
import io.streamrlhf.schemas.registry.SchemaRegistryClient;
import io.streamrlhf.schemas.util.Shutdown;
import io.streamrlhf.trainer.checkpoint.VersionSigner;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP ingestion gateway: JSON endpoints for web front ends that cannot speak Kafka.
 *
 * <ul>
 *   <li>{@code POST /v1/responses}, {@code POST /v1/feedback}, {@code POST /v1/preferences}: answer 202 with
 *       the event id only after Kafka acknowledged the write (all in-sync replicas, idempotent producer)</li>
 *   <li>{@code DELETE /v1/users/{userId}}: publishes a {@code UserErased} request and answers 202 with its
 *       {@code requestId} once Kafka acknowledged it; only keys with the erase scope may call it, others get 403
 *       (see docs/privacy.md)</li>
 *   <li>{@code GET /healthz}: 200 while the gateway runs (no key needed)</li>
 * </ul>
 * Every {@code /v1} endpoint needs one {@link Scope} of the request's API key ({@link ApiKeys}: stored hashed, each
 * bound to a tenant). The user ids a key sends are written as {@code tenant:userId}, so a key writes and erases only
 * its own tenant's users.
 *
 * <p>Refusals, each with a JSON {@code {"error", "reason"}} body and nothing produced: 401 without a valid API key,
 * 403 when the key lacks the endpoint's scope, 429 with {@code Retry-After} when the key is over its rate limit
 * (token bucket) or its share of in-flight requests, 404/405 for wrong paths and methods, 415 for a non-JSON
 * content type, 413 for a body over the limit, 400 for malformed JSON, unknown or duplicate fields, wrong types and
 * missing fields, 422 for unknown response ids (when checked) and for a {@code policyVersion} that was never
 * published for the response's model (when checked). When Kafka cannot take a write: 429 (producer buffer or
 * in-flight limit full) or 503 (broker or registry unavailable, ack timeout), both with {@code Retry-After}; never
 * a silent drop.
 *
 * <p>Retries: a request may carry an {@code Idempotency-Key} header (or name its event id in the body, which then
 * serves as the key). The gateway remembers each key with the event it built: a retry after a 202 is answered
 * with the same id and writes nothing ({@code Idempotent-Replayed: true}); a retry after a 503 sends the very same
 * event again (same id and event time), which the streams recognise as a redelivery; the same key with another
 * body is refused with 422, and a retry while the first write is pending gets 409. Without a key, the event gets
 * a new id and a retry would count twice.
 *
 * <p>Requests are answered asynchronously: a handler thread validates and hands the event to the producer,
 * and the acknowledgement completes the exchange, so waiting on Kafka never pins a thread.
 */
public final class IngestionGateway implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(IngestionGateway.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** How often the keys file is read again: a changed file is served within about this long. */
    static final Duration KEYS_RELOAD_PERIOD = Duration.ofSeconds(2);
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
        RESPONSES("/v1/responses", "responseId", Scope.RESPONSES),
        FEEDBACK("/v1/feedback", "feedbackId", Scope.FEEDBACK),
        PREFERENCES("/v1/preferences", "preferenceId", Scope.PREFERENCES);

        final String path;
        final String idField;
        final Scope scope;

        Endpoint(String path, String idField, Scope scope) {
            this.path = path;
            this.idField = idField;
            this.scope = scope;
        }
    }

    /** Separates a key's tenant from the user id it sends; tenants cannot contain it, so no two users collide. */
    public static final char TENANT_SEPARATOR = ':';

    /** The erasure endpoint's prefix: {@code DELETE /v1/users/{userId}}. */
    static final String USERS_PATH = "/v1/users/";
    /** Suffix of {@code GET /v1/users/{userId}/erasure}. */
    static final String ERASURE_SUFFIX = "/erasure";
    /** How many accepted erasures the gateway remembers, to answer 202 (pending) until their report exists. */
    static final int MAX_PENDING_ERASURES = 10_000;

    /** Request header naming a client-chosen key that makes a retried request safe (as in the IETF draft). */
    public static final String IDEMPOTENCY_KEY_HEADER = "Idempotency-Key";
    /** Response header set when the answer is the remembered result of an earlier request with the same key. */
    public static final String REPLAYED_HEADER = "Idempotent-Replayed";
    /** Response header of a 503 naming the id of the event that may or may not have been recorded. */
    public static final String EVENT_ID_HEADER = "Event-Id";

    private final GatewayConfig config;
    private final ChatFeedbackClient client;
    private final IdempotencyKeys idempotency;
    private final boolean ownsClient;
    /** Swapped whole when the keys file changes ({@link #reloadKeysIfChanged}). */
    private volatile ApiKeys apiKeys;
    /** The keys file's contents behind {@link #apiKeys} (or the last bad contents, so each is logged once). */
    private byte[] keysFileSeen;

    private ScheduledExecutorService keysReloader;
    private final LongAdder ackTimeouts = new LongAdder();
    private final KeyLimits keyLimits;
    private final PublishedVersions versions;
    private final boolean followsVersions;
    private final RecentResponses recent;
    private final RequestParser parser = new RequestParser();
    private final Semaphore inFlight;
    private final Duration ackTimeout;
    private final Map<Integer, LongAdder> answered = new ConcurrentHashMap<>();
    private HttpServer server;
    private ExecutorService executor;
    private SlowClientGuard guard;
    private ResponseTail tail;
    private VersionTail versionTail;
    private ErasureReportTail reportTail;
    /** Erasures this gateway accepted (user id as written to Kafka -> request id), until their report is read. */
    private final Map<String, String> acceptedErasures =
            java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>(16, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
                    return size() > MAX_PENDING_ERASURES;
                }
            });

    private PolicyRouteHandler policyRoutes;

    /** A gateway with its own idempotent producer, writing to the topics in {@code config}. */
    public IngestionGateway(GatewayConfig config, SchemaRegistryClient registry) {
        this(config, new ChatFeedbackClient(config.client(), registry), true);
    }

    /** A gateway writing through {@code client}, which the caller keeps and closes. */
    public IngestionGateway(GatewayConfig config, ChatFeedbackClient client) {
        this(config, client, false, new PublishedVersions(), true);
    }

    /** A gateway that takes the published versions from {@code versions} instead of following the topic. */
    IngestionGateway(GatewayConfig config, ChatFeedbackClient client, PublishedVersions versions) {
        this(config, client, false, versions, false);
    }

    private IngestionGateway(GatewayConfig config, ChatFeedbackClient client, boolean ownsClient) {
        this(config, client, ownsClient, new PublishedVersions(), true);
    }

    private IngestionGateway(
            GatewayConfig config,
            ChatFeedbackClient client,
            boolean ownsClient,
            PublishedVersions versions,
            boolean followsVersions) {
        this.config = Objects.requireNonNull(config, "config");
        this.client = Objects.requireNonNull(client, "client");
        this.ownsClient = ownsClient;
        if (config.keysFile().isEmpty()) {
            this.apiKeys = ApiKeys.load(config);
        } else {
            this.keysFileSeen = ApiKeys.readKeysFile(config);
            this.apiKeys = ApiKeys.load(config, keysFileSeen);
        }
        this.keyLimits = new KeyLimits(config.limits());
        this.versions = Objects.requireNonNull(versions, "versions");
        this.followsVersions = followsVersions;
        this.recent = new RecentResponses(config.recentResponseIds());
        this.inFlight = new Semaphore(config.maxInFlight());
        this.idempotency =
                new IdempotencyKeys(config.idempotencyTtl(), config.idempotencyMaxBytes(), java.time.Clock.systemUTC());
        // A write fails inside the producer after max.block + delivery timeout; the margin only guards
        // against a lost callback, so no request can hang forever.
        this.ackTimeout = config.client()
                .maxBlock()
                .plus(config.client().deliveryTimeout())
                .plusSeconds(2);
    }

    /**
     * Also serves {@code GET /v1/policy?userId=} ({@link PolicyRouteHandler}) for {@code modelId} from
     * {@code router}, answering 503 until {@code ready}; call before {@link #start}. Keys need the {@code policy}
     * scope and count against their rate limit.
     */
    public synchronized IngestionGateway servePolicyRoutes(
            io.streamrlhf.producers.routing.PolicyRouter router,
            String modelId,
            java.util.function.BooleanSupplier ready) {
        this.policyRoutes = new PolicyRouteHandler(router, modelId, ex -> authorize(ex, Scope.POLICY) != null, ready);
        return this;
    }

    /** Binds the listener and starts serving; returns this. */
    public synchronized IngestionGateway start() {
        if (server != null) {
            throw new IllegalStateException("gateway already started on port " + port());
        }
        // Fails before anything starts when the TLS files cannot be used.
        SSLContext tls = config.tls().enabled() ? GatewayTls.context(config.tls()) : null;
        AtomicInteger threadIds = new AtomicInteger();
        // Acknowledgements complete exchanges on their own pool, so a burst of new connections never delays them.
        executor = Executors.newFixedThreadPool(config.threads(), r -> {
            Thread t = new Thread(r, "gateway-ack-" + threadIds.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        guard = new SlowClientGuard(
                config.threads(),
                config.limits().maxConnections(),
                config.limits().requestTimeout());
        try {
            InetSocketAddress address = new InetSocketAddress(config.bindAddress(), config.port());
            if (tls != null) {
                HttpsServer https = HttpsServer.create(address, 1024);
                https.setHttpsConfigurator(new HttpsConfigurator(tls));
                server = https;
            } else {
                server = HttpServer.create(address, 1024);
            }
        } catch (IOException e) {
            executor.shutdownNow();
            guard.close();
            throw new UncheckedIOException("Cannot listen on " + config.bindAddress() + ":" + config.port(), e);
        }
        for (Endpoint endpoint : Endpoint.values()) {
            server.createContext(endpoint.path, ex -> handle(ex, endpoint));
        }
        server.createContext(USERS_PATH, this::erase);
        server.createContext("/healthz", this::health);
        if (policyRoutes != null) {
            server.createContext(PolicyRouteHandler.PATH, policyRoutes);
        }
        server.createContext(
                "/",
                ex -> respondError(
                        ex, 404, "no such endpoint: " + ex.getRequestURI().getPath()));
        server.setExecutor(guard);
        if (config.responseIdCheck() == GatewayConfig.ResponseIdCheck.TOPIC) {
            tail = new ResponseTail(
                    config.client().connection(), client.topics().responses(), recent, config.recentResponseIds());
            tail.start();
        }
        if (config.policyVersionCheck() == GatewayConfig.PolicyVersionCheck.PUBLISHED && followsVersions) {
            versionTail = new VersionTail(
                    config.client().connection(),
                    client.topics().policyVersions(),
                    versions,
                    config.versionsSigningKey().isEmpty()
                            ? Optional.empty()
                            : Optional.of(new VersionSigner(config.versionsSigningKey())));
            versionTail.start();
        }
        if (followsVersions) {
            try {
                reportTail = new ErasureReportTail(
                        config.client().connection(), client.topics().erasureReports());
                reportTail.start();
            } catch (org.apache.kafka.common.KafkaException e) {
                // An unresolvable bootstrap address fails the consumer's construction: serve everything else and
                // answer 503 on the report endpoint rather than refuse to start.
                log.warn(
                        "Cannot follow the erasure reports; GET {}{{userId}}{} answers 503",
                        USERS_PATH,
                        ERASURE_SUFFIX,
                        e);
                reportTail = null;
            }
        }
        if (!config.keysFile().isEmpty()) {
            keysReloader = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "gateway-keys-reload");
                t.setDaemon(true);
                return t;
            });
            keysReloader.scheduleWithFixedDelay(
                    this::reloadKeysIfChanged,
                    KEYS_RELOAD_PERIOD.toMillis(),
                    KEYS_RELOAD_PERIOD.toMillis(),
                    TimeUnit.MILLISECONDS);
        }
        server.start();
        log.info(
                "Ingestion gateway listening on {}://{}:{} ({} API keys; response id check {}, policy version check {})",
                tls != null ? "https" : "http",
                config.bindAddress(),
                port(),
                apiKeys.size(),
                config.responseIdCheck(),
                config.policyVersionCheck());
        return this;
    }

    /**
     * Why the gateway stopped doing all of its work after it started, if it did: one of its topic tails (known
     * responses, published versions, erasure reports) ended, so its answers would go stale (422s, an old policy).
     */
    public Optional<Throwable> failure() {
        TopicTail<?>[] tails;
        synchronized (this) {
            tails = new TopicTail<?>[] {tail, versionTail, reportTail};
        }
        for (TopicTail<?> t : tails) {
            if (t != null) {
                Optional<Throwable> f = t.failure();
                if (f.isPresent()) {
                    return f;
                }
            }
        }
        return Optional.empty();
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

    /** {@code http://host:port} (or {@code https://} with TLS) of this gateway on loopback. */
    public URI baseUri() {
        return URI.create((config.tls().enabled() ? "https" : "http") + "://127.0.0.1:" + port());
    }

    /**
     * Reads the keys file again and, when its contents changed, serves the keys it now holds. A file that does not
     * parse (or cannot be read) leaves the keys as they were and is logged once, in one line naming the file and
     * the line at fault, never a key or a quoted value. Rate and in-flight limits stay with the key names.
     */
    void reloadKeysIfChanged() {
        String file = config.keysFile();
        byte[] now;
        try {
            now = ApiKeys.readKeysFile(config);
        } catch (UncheckedIOException e) {
            synchronized (this) {
                if (keysFileSeen != null) {
                    keysFileSeen = null;
                    log.warn(
                            "gateway.keys.file {} cannot be read ({}); keeping the keys loaded before ({} keys)",
                            file,
                            e.getCause().getClass().getSimpleName(),
                            apiKeys.size());
                }
            }
            return;
        }
        synchronized (this) {
            if (Arrays.equals(now, keysFileSeen)) {
                return;
            }
            keysFileSeen = now;
            try {
                ApiKeys next = ApiKeys.load(config, now);
                apiKeys = next;
                log.info("gateway.keys.file {} changed: now serving {} keys", file, next.size());
            } catch (RuntimeException e) {
                log.warn(
                        "gateway.keys.file {} changed but was not reloaded ({}); keeping the keys loaded before "
                                + "({} keys)",
                        file,
                        redacted(e.getMessage()),
                        apiKeys.size());
            }
        }
    }

    /** A keys-file error without the values it quotes: a key pasted where a name belongs must not reach a log. */
    static String redacted(String message) {
        return message == null ? "invalid" : message.replaceAll("'[^']*'", "'...'");
    }

    /** The API keys served now (after the last successful reload of the keys file). */
    int apiKeyCount() {
        return apiKeys.size();
    }

    /** Writes that Kafka did not acknowledge within the gateway's acknowledgement timeout (answered 503). */
    public long ackTimeouts() {
        return ackTimeouts.sum();
    }

    /** Exchanges cut off because the client did not send its request within {@code gateway.request.timeout}. */
    public long slowRequestsClosed() {
        SlowClientGuard g = guard;
        return g == null ? 0 : g.timedOut();
    }

    /** Connections closed at once because {@code gateway.max.connections} exchanges were running. */
    public long connectionsRefused() {
        SlowClientGuard g = guard;
        return g == null ? 0 : g.refused();
    }

    private void handle(HttpExchange ex, Endpoint endpoint) {
        boolean handedOff = false;
        ApiKeys.Grant acquired = null;
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
            ApiKeys.Grant grant = authorize(ex, endpoint.scope);
            if (grant == null) {
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
            if (!acquireOrRefuse(ex, grant)) {
                return;
            }
            acquired = grant;
            String idempotencyKey = idempotencyKeyOf(ex);
            byte[] body = readBody(ex.getRequestBody(), config.maxBodyBytes());
            Prepared prepared = switch (endpoint) {
                case RESPONSES -> prepareResponse(body, idempotencyKey, grant);
                case FEEDBACK -> prepareFeedback(body, idempotencyKey, grant);
                case PREFERENCES -> preparePreference(body, idempotencyKey, grant);
            };
            String key = idempotencyKey != null ? idempotencyKey : prepared.bodyId();
            if (!SlowClientGuard.requestRead()) {
                ex.close();
                return;
            }
            CompletableFuture<String> write;
            if (key == null || !idempotency.enabled()) {
                write = client.send(prepared.build().get());
            } else {
                String scope = endpoint.path + ' ' + grant.name();
                IdempotencyKeys.Outcome outcome = idempotency.resolve(scope, key, body, prepared.build(), client::send);
                if (outcome instanceof IdempotencyKeys.Replayed replayed) {
                    ex.getResponseHeaders().set(REPLAYED_HEADER, "true");
                    respondJson(ex, 202, Map.of(endpoint.idField, replayed.id()));
                    return;
                } else if (outcome instanceof IdempotencyKeys.InProgress) {
                    respondRetry(
                            ex,
                            409,
                            config.overloadedRetryAfter(),
                            "a request with this idempotency key (" + key + ") is still being written; retry later");
                    return;
                } else if (outcome instanceof IdempotencyKeys.Conflict) {
                    throw InvalidRequestException.unprocessable("idempotency key " + key
                            + " was used before with another request body; use a new key for a new event");
                } else if (outcome instanceof IdempotencyKeys.Started started) {
                    write = started.write();
                } else {
                    write = ((IdempotencyKeys.Resent) outcome).write();
                }
            }
            ApiKeys.Grant acquiredGrant = grant;
            write = write.thenApply(id -> {
                prepared.onWritten().accept(id);
                return id;
            });
            handedOff = true;
            write.orTimeout(ackTimeout.toMillis(), TimeUnit.MILLISECONDS)
                    .whenCompleteAsync(
                            (id, error) -> {
                                try {
                                    if (error == null) {
                                        respondJson(ex, 202, Map.of(endpoint.idField, id));
                                    } else {
                                        countAckTimeout(error);
                                        respondFailure(ex, endpoint, error, key);
                                    }
                                } finally {
                                    release(acquiredGrant);
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
            if (acquired != null && !handedOff) {
                release(acquired);
            }
        }
    }

    /**
     * {@code DELETE /v1/users/{userId}}: the erase scope is checked before anything else is said about the user,
     * and the answer comes only once the request is on the erasures topic, so a 202 means the streams will see it.
     */
    private void erase(HttpExchange ex) {
        if (ex.getRequestURI().getRawPath().endsWith(ERASURE_SUFFIX)) {
            erasureReport(ex);
            return;
        }
        ApiKeys.Grant acquired = null;
        boolean handedOff = false;
        try {
            if (!ex.getRequestMethod().equals("DELETE")) {
                ex.getResponseHeaders().set("Allow", "DELETE");
                respondError(ex, 405, USERS_PATH + "{userId} accepts DELETE only");
                return;
            }
            ApiKeys.Grant grant = authorize(ex, Scope.ERASE);
            if (grant == null) {
                return;
            }
            String userId = userIdOf(ex.getRequestURI());
            if (!acquireOrRefuse(ex, grant)) {
                return;
            }
            acquired = grant;
            ApiKeys.Grant acquiredGrant = grant;
            String idempotencyKey = idempotencyKeyOf(ex);
            drain(ex.getRequestBody());
            if (!SlowClientGuard.requestRead()) {
                ex.close();
                return;
            }
            // The key reaches only its own tenant's users: the erasure names the namespaced id its events carry.
            String tenantUser = tenantUser(grant, userId);
            Supplier<ClientEvent> build = () -> client.erasureEvent(tenantUser, "requested through the gateway", null);
            CompletableFuture<String> write;
            if (idempotencyKey == null || !idempotency.enabled()) {
                write = client.send(build.get());
            } else {
                IdempotencyKeys.Outcome outcome = idempotency.resolve(
                        USERS_PATH + ' ' + grant.name(),
                        idempotencyKey,
                        userId.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                        build,
                        client::send);
                if (outcome instanceof IdempotencyKeys.Replayed replayed) {
                    ex.getResponseHeaders().set(REPLAYED_HEADER, "true");
                    respondJson(ex, 202, erasureAnswer(userId, replayed.id()));
                    return;
                } else if (outcome instanceof IdempotencyKeys.InProgress) {
                    respondRetry(ex, 409, config.overloadedRetryAfter(), "this erasure is still being written");
                    return;
                } else if (outcome instanceof IdempotencyKeys.Conflict) {
                    throw InvalidRequestException.unprocessable("idempotency key " + idempotencyKey
                            + " was used before for another user; use a new key for a new request");
                } else if (outcome instanceof IdempotencyKeys.Started started) {
                    write = started.write();
                } else {
                    write = ((IdempotencyKeys.Resent) outcome).write();
                }
            }
            handedOff = true;
            write.orTimeout(ackTimeout.toMillis(), TimeUnit.MILLISECONDS)
                    .whenCompleteAsync(
                            (id, error) -> {
                                try {
                                    if (error == null) {
                                        log.info("Erasure request {} recorded", id);
                                        acceptedErasures.put(client.userIdAsWritten(tenantUser), id);
                                        respondJson(ex, 202, erasureAnswer(userId, id));
                                    } else {
                                        countAckTimeout(error);
                                        respondErasureFailure(ex, error, idempotencyKey);
                                    }
                                } finally {
                                    release(acquiredGrant);
                                }
                            },
                            executor);
        } catch (InvalidRequestException e) {
            respondError(ex, e.status(), e.getMessage());
        } catch (RuntimeException e) {
            log.error("Unexpected error handling an erasure", e);
            respondError(ex, 500, "internal error: " + e.getClass().getSimpleName());
        } finally {
            if (acquired != null && !handedOff) {
                release(acquired);
            }
        }
    }

    /**
     * {@code GET /v1/users/{userId}/erasure}: the user's latest erasure report as JSON (200), 202 with
     * {@code "status":"pending"} while an erasure this gateway accepted has no report yet, 404 when there is none.
     * Scope {@code erase}, and only the key's own tenant's users, as for {@code DELETE}.
     */
    private void erasureReport(HttpExchange ex) {
        try {
            if (!ex.getRequestMethod().equals("GET")) {
                ex.getResponseHeaders().set("Allow", "GET");
                respondError(ex, 405, USERS_PATH + "{userId}" + ERASURE_SUFFIX + " accepts GET only");
                return;
            }
            ApiKeys.Grant grant = authorize(ex, Scope.ERASE);
            if (grant == null) {
                return;
            }
            String raw = ex.getRequestURI().getRawPath();
            String userId = userIdOf(raw.substring(0, raw.length() - ERASURE_SUFFIX.length()));
            drain(ex.getRequestBody());
            String written = client.userIdAsWritten(tenantUser(grant, userId));
            if (reportTail == null) {
                respondError(ex, 503, "erasure reports cannot be read from Kafka by this gateway");
                return;
            }
            Optional<ErasureReport> report = reportTail.latest(written);
            String pending = acceptedErasures.get(written);
            if (report.isPresent()
                    && (pending == null || pending.equals(report.get().getRequestId()))) {
                acceptedErasures.remove(written);
                Map<String, Object> body = new java.util.LinkedHashMap<>(ErasureReports.toMap(report.get()));
                body.put("userId", userId);
                body.put("kafkaUserId", written);
                respondJson(ex, 200, body);
            } else if (pending != null) {
                respondJson(ex, 202, Map.of("requestId", pending, "userId", userId, "status", "pending"));
            } else {
                respondError(ex, 404, "no erasure report for this user (yet)");
            }
        } catch (InvalidRequestException e) {
            respondError(ex, e.status(), e.getMessage());
        } catch (RuntimeException e) {
            log.error("Unexpected error answering an erasure report", e);
            respondError(ex, 500, "internal error: " + e.getClass().getSimpleName());
        }
    }

    /** The user id of {@code /v1/users/{userId}}, percent-decoded; 404 for any other shape. */
    static String userIdOf(URI uri) {
        return userIdOf(uri.getRawPath());
    }

    private static String userIdOf(String raw) {
        String encoded = raw.startsWith(USERS_PATH) ? raw.substring(USERS_PATH.length()) : "";
        if (encoded.isEmpty() || encoded.contains("/")) {
            throw new InvalidRequestException(404, "no such endpoint: use DELETE " + USERS_PATH + "{userId}");
        }
        String userId;
        try {
            userId = PercentDecoding.decode(encoded, false);
        } catch (IllegalArgumentException e) {
            throw InvalidRequestException.badRequest("the user id in the path is not valid percent-encoding");
        }
        if (userId.isBlank() || userId.length() > 255 || userId.chars().anyMatch(Character::isISOControl)) {
            throw InvalidRequestException.badRequest("the user id must be 1-255 characters, no control characters");
        }
        return userId;
    }

    private static Map<String, String> erasureAnswer(String userId, String requestId) {
        return Map.of("requestId", requestId, "userId", userId, "status", "accepted");
    }

    private void respondErasureFailure(HttpExchange ex, Throwable error, String key) {
        PublishException failure = PublishException.of("erasure", error);
        log.warn("Erasure write failed ({}): {}", failure.reason(), failure.getMessage());
        if (failure.reason() == PublishException.Reason.OVERLOADED) {
            respondRetry(ex, 429, config.overloadedRetryAfter(), "Kafka producer buffer full; retry later");
        } else if (failure.reason().retriable()) {
            failure.event()
                    .map(ClientEvent::id)
                    .ifPresent(id -> ex.getResponseHeaders().set(EVENT_ID_HEADER, id));
            respondRetry(
                    ex,
                    503,
                    config.unavailableRetryAfter(),
                    "Kafka did not acknowledge the erasure in time (" + failure.reason() + "); it may still have been "
                            + "recorded. Retrying is safe: erasing a user twice has the effect of erasing once"
                            + (key == null ? "" : " (and the same idempotency key returns the same request id)"));
        } else {
            respondError(ex, 500, "the erasure could not be written: " + failure.reason());
        }
    }

    /**
     * A validated request: the event id its body names (or null), how to build its event (once: a retry sends
     * the same one) and what to do once it is written.
     */
    private record Prepared(String bodyId, Supplier<ClientEvent> build, Consumer<String> onWritten) {}

    private Prepared prepareResponse(byte[] body, String idempotencyKey, ApiKeys.Grant grant) {
        ChatResponse parsed = parser.parseResponse(body);
        requirePublished(parsed);
        ChatResponse named =
                parsed.responseId() == null && idempotencyKey != null ? parsed.withResponseId(idempotencyKey) : parsed;
        ChatResponse response = named.userId() == null
                ? named
                : named.withUser(tenantUser(grant, named.userId()), named.conversationId());
        return new Prepared(
                parsed.responseId(),
                () -> client.responseEvent(response),
                id -> recent.remember(id, response.promptId()));
    }

    private Prepared prepareFeedback(byte[] body, String idempotencyKey, ApiKeys.Grant grant) {
        FeedbackRequest r = parser.parseFeedback(body);
        requireKnown(r.responseId());
        String id = r.feedbackId() != null ? r.feedbackId() : idempotencyKey;
        String user = tenantUser(grant, r.userId());
        return new Prepared(
                r.feedbackId(),
                () -> client.feedbackEvent(r.kind(), r.responseId(), user, r.comment(), id),
                written -> {});
    }

    private Prepared preparePreference(byte[] body, String idempotencyKey, ApiKeys.Grant grant) {
        PreferenceRequest r = parser.parsePreference(body);
        for (String id : new String[] {r.chosenResponseId(), r.rejectedResponseId()}) {
            Optional<String> prompt = requireKnown(id);
            if (prompt.isPresent() && !prompt.get().equals(r.promptId())) {
                throw InvalidRequestException.unprocessable(
                        "response '" + id + "' answers prompt '" + prompt.get() + "', not '" + r.promptId() + "'");
            }
        }
        String id = r.preferenceId() != null ? r.preferenceId() : idempotencyKey;
        String user = r.userId() == null ? null : tenantUser(grant, r.userId());
        return new Prepared(
                r.preferenceId(),
                () -> client.preferenceEvent(r.promptId(), r.chosenResponseId(), r.rejectedResponseId(), user, id),
                written -> {});
    }

    /**
     * The grant of the request's API key when it holds {@code scope}; otherwise answers 401 (no or unknown key), 403
     * (scope missing) or 429 (the key's rate limit is reached) and returns null.
     */
    private ApiKeys.Grant authorize(HttpExchange ex, Scope scope) {
        Optional<ApiKeys.Grant> grant = apiKeys.authenticate(
                ex.getRequestHeaders().getFirst(ApiKeys.HEADER),
                ex.getRequestHeaders().getFirst("Authorization"));
        if (grant.isEmpty()) {
            ex.getResponseHeaders().set("WWW-Authenticate", "Bearer");
            respondError(ex, 401, "missing or unknown API key: send it in the " + ApiKeys.HEADER + " header");
            return null;
        }
        if (!grant.get().may(scope)) {
            respondError(
                    ex,
                    403,
                    "API key " + grant.get().name() + " lacks the " + scope.label() + " scope (it has "
                            + Scope.format(grant.get().scopes()) + ")");
            return null;
        }
        Optional<Duration> wait = keyLimits.takeToken(grant.get().name());
        if (wait.isPresent()) {
            respondRetry(
                    ex,
                    429,
                    wait.get(),
                    "API key " + grant.get().name() + " is over its rate limit ("
                            + config.limits().ratePerSecond() + " requests per second, bursts of "
                            + config.limits().burst() + "); retry later");
            return null;
        }
        return grant.get();
    }

    /** Takes a global and a per-key in-flight slot, or answers 429 and returns false when either is full. */
    private boolean acquireOrRefuse(HttpExchange ex, ApiKeys.Grant grant) {
        if (!inFlight.tryAcquire()) {
            respondRetry(
                    ex,
                    429,
                    config.overloadedRetryAfter(),
                    "too many requests in flight (" + config.maxInFlight() + "); retry later");
            return false;
        }
        if (!keyLimits.acquire(grant.name())) {
            inFlight.release();
            respondRetry(
                    ex,
                    429,
                    config.overloadedRetryAfter(),
                    "API key " + grant.name() + " has too many requests in flight ("
                            + config.limits().maxInFlightPerKey() + "); retry later");
            return false;
        }
        return true;
    }

    private void release(ApiKeys.Grant grant) {
        keyLimits.release(grant.name());
        inFlight.release();
    }

    /** The user id as events carry it: the key's tenant, ':', then the id the client sent. */
    static String tenantUser(ApiKeys.Grant grant, String userId) {
        return grant.tenant() + TENANT_SEPARATOR + userId;
    }

    /** 422 unless the response's policy version was published for its model (when the check is on). */
    private void requirePublished(ChatResponse response) {
        if (config.policyVersionCheck() == GatewayConfig.PolicyVersionCheck.OFF) {
            return;
        }
        String model = response.modelId() == null ? ChatFeedbackClient.DEFAULT_MODEL_ID : response.modelId();
        versions.refusal(model, response.policyVersion()).ifPresent(reason -> {
            throw InvalidRequestException.unprocessable(reason);
        });
    }

    /** The request's idempotency key, or null; a malformed one is a 400. */
    private static String idempotencyKeyOf(HttpExchange ex) {
        String key = ex.getRequestHeaders().getFirst(IDEMPOTENCY_KEY_HEADER);
        if (key != null && !IdempotencyKeys.validKey(key)) {
            throw InvalidRequestException.badRequest(
                    IDEMPOTENCY_KEY_HEADER + " must be 1-255 visible ASCII characters");
        }
        return key;
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

    private void countAckTimeout(Throwable error) {
        // The producer's own expiry (delivery.timeout.ms) arrives wrapped twice, in the future's CompletionException
        // and the writer's PublishException: look down the whole chain, not only at the first cause.
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.util.concurrent.TimeoutException
                    || t instanceof org.apache.kafka.common.errors.TimeoutException) {
                ackTimeouts.increment();
                return;
            }
        }
    }

    private void respondFailure(HttpExchange ex, Endpoint endpoint, Throwable error, String key) {
        PublishException failure = PublishException.of("event", error);
        String id = failure.event().map(ClientEvent::id).orElse(null);
        log.warn("Write for {} failed ({}): {}", endpoint.path, failure.reason(), failure.getMessage());
        switch (failure.reason()) {
            case OVERLOADED ->
                respondRetry(ex, 429, config.overloadedRetryAfter(), "Kafka producer buffer full; retry later");
            case UNAVAILABLE, CLOSED, INTERRUPTED -> {
                if (id != null) {
                    ex.getResponseHeaders().set(EVENT_ID_HEADER, id);
                }
                respondRetry(
                        ex,
                        503,
                        config.unavailableRetryAfter(),
                        "Kafka did not acknowledge the write in time (" + failure.reason() + "); it may still have "
                                + "been recorded. Retrying is safe with the same "
                                + (key != null
                                        ? "idempotency key (" + key + ")"
                                        : endpoint.idField + (id == null ? "" : " (" + id + ")")
                                                + " in the body, or an " + IDEMPOTENCY_KEY_HEADER + " header")
                                + ": the event is then written at most once more and counted once");
            }
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
            case 403 -> "forbidden";
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
        if (keysReloader != null) {
            keysReloader.shutdownNow();
            keysReloader = null;
        }
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
        if (guard != null) {
            guard.close();
            guard = null;
        }
        if (tail != null) {
            tail.close();
            tail = null;
        }
        if (versionTail != null) {
            versionTail.close();
            versionTail = null;
        }
        if (reportTail != null) {
            reportTail.close();
            reportTail = null;
        }
        if (ownsClient) {
            client.close();
        }
    }
}
