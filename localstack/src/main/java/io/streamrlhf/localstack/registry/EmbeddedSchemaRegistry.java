package io.streamrlhf.localstack.registry;

import com.sun.net.httpserver.BasicAuthenticator;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpServer;
import io.streamrlhf.schemas.registry.InMemorySchemaRegistry;
import io.streamrlhf.schemas.registry.RestSchemaRegistryClient;
import io.streamrlhf.schemas.util.Shutdown;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Confluent-compatible schema registry server for the local stack, on the JDK's HTTP server.
 *
 * <p>Serves the REST API and error codes of Confluent's registry for Avro schemas (see
 * the README section "Schema registry compatibility" for the endpoints), so Confluent's own clients, librdkafka-based ones and
 * {@link RestSchemaRegistryClient} all work against it. In the {@link #kafkaBacked Kafka-backed} mode, the one
 * the app uses, every registration and compatibility change is stored in a compacted topic before it is
 * answered, and replayed on start, so ids survive restarts. The {@link #inMemory in-memory} mode keeps
 * nothing and exists for tests that need the HTTP API without a broker.
 *
 * <pre>{@code
 * EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.kafkaBacked(EmbeddedSchemaRegistry.Config.loopback(),
 *         KafkaBackedSchemaRegistry.Config.of(broker.bootstrapServers(), topicNames.schemas())).start();
 * SchemaRegistryClient client = new RestSchemaRegistryClient(registry.url());
 * }</pre>
 */
public final class EmbeddedSchemaRegistry implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedSchemaRegistry.class);

    /**
     * Where the server listens.
     *
     * @param host the address to bind, {@code 127.0.0.1} by default so the registry is not exposed
     * @param port the port, 0 for a free one
     * @param threads request-handling threads
     */
    public record Config(String host, int port, int threads) {
        public Config {
            Objects.requireNonNull(host, "host");
            if (host.isBlank()) {
                throw new IllegalArgumentException(
                        "Schema registry host must not be blank; use 127.0.0.1 for loopback");
            }
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException(
                        "Schema registry port " + port + " is outside 0-65535 (0 = free port)");
            }
            if (threads < 1 || threads > 256) {
                throw new IllegalArgumentException("Schema registry threads must be 1-256, got " + threads);
            }
        }

        /** Loopback on a free port with 4 threads. */
        public static Config loopback() {
            return new Config("127.0.0.1", 0, 4);
        }

        /** Loopback on {@code port}. */
        public static Config loopback(int port) {
            return new Config("127.0.0.1", port, 4);
        }
    }

    private final Config config;
    private final InMemorySchemaRegistry registry;
    private final KafkaBackedSchemaRegistry kafkaLog;
    private HttpServer server;
    private ExecutorService executor;
    private String basicAuthUser;
    private byte[] basicAuthPassword;

    private EmbeddedSchemaRegistry(Config config, InMemorySchemaRegistry registry, KafkaBackedSchemaRegistry kafkaLog) {
        this.config = Objects.requireNonNull(config, "config");
        this.registry = registry;
        this.kafkaLog = kafkaLog;
    }

    /** A server whose schemas live in the compacted topic described by {@code log}. */
    public static EmbeddedSchemaRegistry kafkaBacked(Config config, KafkaBackedSchemaRegistry.Config log) {
        KafkaBackedSchemaRegistry store = new KafkaBackedSchemaRegistry(log);
        return new EmbeddedSchemaRegistry(config, store, store);
    }

    /** A server that keeps schemas in memory only: everything is lost on close. For tests. */
    public static EmbeddedSchemaRegistry inMemory(Config config) {
        return new EmbeddedSchemaRegistry(config, new InMemorySchemaRegistry(), null);
    }

    /**
     * Requires HTTP basic authentication as {@code userInfo} ({@code user:password}) on every request from the
     * next {@link #start()}; others get 401. One identity, no roles: it keeps out whoever lacks the password.
     */
    public synchronized EmbeddedSchemaRegistry requireBasicAuth(String userInfo) {
        int colon = userInfo.indexOf(':');
        if (colon <= 0 || colon == userInfo.length() - 1) {
            throw new IllegalArgumentException("Registry basic auth must be user:password");
        }
        basicAuthUser = userInfo.substring(0, colon);
        basicAuthPassword = userInfo.substring(colon + 1).getBytes(StandardCharsets.UTF_8);
        return this;
    }

    /**
     * Replays the Kafka log (in Kafka-backed mode), then binds and serves. Returns once requests are accepted.
     *
     * @throws IllegalStateException when already started, or the log cannot be read
     * @throws UncheckedIOException when the address cannot be bound
     */
    public synchronized EmbeddedSchemaRegistry start() {
        if (server != null) {
            throw new IllegalStateException("Schema registry already started at " + url());
        }
        if (kafkaLog != null) {
            kafkaLog.start();
        }
        AtomicInteger threadCount = new AtomicInteger();
        executor = Executors.newFixedThreadPool(config.threads(), r -> {
            Thread t = new Thread(r, "schema-registry-http-" + threadCount.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try {
            server = HttpServer.create(new InetSocketAddress(config.host(), config.port()), 64);
        } catch (IOException e) {
            executor.shutdownNow();
            if (kafkaLog != null) {
                kafkaLog.close();
            }
            throw new UncheckedIOException(
                    "Schema registry cannot listen on " + config.host() + ":" + config.port()
                            + " (port in use? use 0 for a free port)",
                    e);
        }
        HttpContext context = server.createContext("/", new RegistryHttpHandler(registry));
        if (basicAuthUser != null) {
            String user = basicAuthUser;
            byte[] password = basicAuthPassword;
            context.setAuthenticator(new BasicAuthenticator("streamrlhf-schema-registry") {
                @Override
                public boolean checkCredentials(String username, String given) {
                    // Constant time in the password, so its prefix cannot be found by timing.
                    return MessageDigest.isEqual(password, given.getBytes(StandardCharsets.UTF_8))
                            & user.equals(username);
                }
            });
        }
        server.setExecutor(executor);
        server.start();
        log.info(
                "Schema registry listening at {} ({})",
                url(),
                kafkaLog != null ? "schemas in topic " + kafkaLog.config().topic() : "in memory only");
        return this;
    }

    /** The base URL clients use, for example {@code http://127.0.0.1:41234}. */
    public synchronized String url() {
        if (server == null) {
            throw new IllegalStateException("Schema registry not started");
        }
        String host = config.host().contains(":") ? "[" + config.host() + "]" : config.host();
        return "http://" + host + ":" + server.getAddress().getPort();
    }

    /** The bound port. */
    public synchronized int port() {
        if (server == null) {
            throw new IllegalStateException("Schema registry not started");
        }
        return server.getAddress().getPort();
    }

    /** The registry state behind the server, for in-process callers that need no HTTP. */
    public InMemorySchemaRegistry registry() {
        return registry;
    }

    /** Stops serving and closes the Kafka writer; stored schemas stay in the topic. */
    @Override
    public synchronized void close() {
        if (server != null) {
            server.stop(0);
            server = null;
        }
        if (executor != null) {
            Shutdown.executor(executor, Duration.ofSeconds(5));
            executor = null;
        }
        if (kafkaLog != null) {
            kafkaLog.close();
        }
    }
}
