package io.streamrlhf.localstack.registry;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.streamrlhf.localstack.broker.TlsMaterial;
import io.streamrlhf.schemas.registry.InMemorySchemaRegistry;
import io.streamrlhf.schemas.registry.RestSchemaRegistryClient;
import io.streamrlhf.schemas.util.Shutdown;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
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
    private final Map<String, RegistryUser> users = new LinkedHashMap<>();
    private TlsMaterial tls;

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
     * Requires HTTP basic authentication as {@code userInfo} ({@code user:password}) from the next
     * {@link #start()}, that user being an {@link RegistryRole#ADMIN admin}; shorthand for one admin user.
     */
    public synchronized EmbeddedSchemaRegistry requireBasicAuth(String userInfo) {
        int colon = userInfo.indexOf(':');
        if (colon <= 0 || colon == userInfo.length() - 1) {
            throw new IllegalArgumentException("Registry basic auth must be user:password");
        }
        return users(java.util.List.of(
                new RegistryUser(userInfo.substring(0, colon), RegistryRole.ADMIN, userInfo.substring(colon + 1))));
    }

    /**
     * Requires HTTP basic authentication from the next {@link #start()}, adding {@code more} to the known users:
     * requests without a known user and password get 401, requests beyond the user's {@link RegistryRole role}
     * 403. With no user at all the registry is open (the plain local stack on loopback).
     *
     * @throws IllegalArgumentException when a user name is given twice
     */
    public synchronized EmbeddedSchemaRegistry users(Collection<RegistryUser> more) {
        for (RegistryUser user : more) {
            if (users.putIfAbsent(user.name(), user) != null) {
                throw new IllegalArgumentException("Registry user " + user.name() + " is given twice");
            }
        }
        return this;
    }

    /**
     * Serves HTTPS from the next {@link #start()}, with the key and certificate in {@code material}'s keystore;
     * clients trust its truststore ({@code schema.registry.ssl.truststore.*}).
     */
    public synchronized EmbeddedSchemaRegistry tls(TlsMaterial material) {
        this.tls = Objects.requireNonNull(material, "material");
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
        // A bad keystore fails here, before anything was started that would need stopping.
        SSLContext ssl = tls == null ? null : sslContext(tls);
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
            InetSocketAddress address = new InetSocketAddress(config.host(), config.port());
            if (ssl != null) {
                HttpsServer https = HttpsServer.create(address, 64);
                https.setHttpsConfigurator(new HttpsConfigurator(ssl));
                server = https;
            } else {
                server = HttpServer.create(address, 64);
            }
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
        Map<String, RegistryUser> known = Map.copyOf(users);
        server.createContext("/", new RegistryHttpHandler(registry, known));
        server.setExecutor(executor);
        server.start();
        log.info(
                "Schema registry listening at {} ({}, {})",
                url(),
                kafkaLog != null ? "schemas in topic " + kafkaLog.config().topic() : "in memory only",
                known.isEmpty() ? "no authentication" : "basic authentication for " + known.values());
        return this;
    }

    /** The base URL clients use, for example {@code http://127.0.0.1:41234}. */
    public synchronized String url() {
        if (server == null) {
            throw new IllegalStateException("Schema registry not started");
        }
        String host = config.host().contains(":") ? "[" + config.host() + "]" : config.host();
        return (tls != null ? "https://" : "http://") + host + ":"
                + server.getAddress().getPort();
    }

    private static SSLContext sslContext(TlsMaterial tls) {
        try (InputStream in = Files.newInputStream(tls.keystore())) {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            char[] password = tls.keystorePassword().toCharArray();
            keys.load(in, password);
            KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            factory.init(keys, password);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(factory.getKeyManagers(), null, null);
            return context;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the registry's keystore " + tls.keystore(), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Cannot use the registry's keystore " + tls.keystore() + ": " + e, e);
        }
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
