package io.streamrlhf.app.registry;

import io.streamrlhf.app.config.AppKeys;
import io.streamrlhf.app.ops.ComponentHealth;
import io.streamrlhf.app.ops.OpsServer;
import io.streamrlhf.app.ops.ProcessMetrics;
import io.streamrlhf.app.ops.Supervisor;
import io.streamrlhf.config.ClusterSettings;
import io.streamrlhf.config.ConfigException;
import io.streamrlhf.config.Settings;
import io.streamrlhf.localstack.broker.TlsMaterial;
import io.streamrlhf.localstack.registry.EmbeddedSchemaRegistry;
import io.streamrlhf.localstack.registry.KafkaBackedSchemaRegistry;
import io.streamrlhf.localstack.registry.RegistryUser;
import io.streamrlhf.localstack.stack.StackKeys;
import io.streamrlhf.schemas.topic.TopicNames;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The project's schema registry run on its own against a Kafka cluster, as {@code streamrlhf registry} does: its
 * log is the compacted topic {@code topic.schemas} on {@code bootstrap.servers}, read and written with the
 * {@code kafka.*} settings overridden by {@code registry.kafka.*} (so it has its own principal on a secured
 * cluster); HTTPS when {@code registry.ssl.keystore.location} is set; basic authentication with the users of
 * {@code registry.auth.users} and {@code registry.auth.users.file}. Its {@code /health/ready} (on the ops server)
 * is 200 while it is the log's writer, 503 once a newer instance fenced it (it then serves reads only).
 */
public final class RegistryService implements AutoCloseable {

    /** Confluent's registry port, used when {@code registry.port} is not set. */
    public static final int DEFAULT_PORT = 8081;

    private final KafkaBackedSchemaRegistry log;
    private final EmbeddedSchemaRegistry server;
    private final ProcessMetrics metrics = new ProcessMetrics();
    private OpsServer ops;

    private RegistryService(EmbeddedSchemaRegistry server, KafkaBackedSchemaRegistry log) {
        this.server = server;
        this.log = log;
    }

    /**
     * Checks {@code settings} (every problem a {@link ConfigException} naming the key), then replays the log,
     * serves the registry and the ops server.
     */
    public static RegistryService start(Map<String, String> settings) {
        String bootstrap = ClusterSettings.BOOTSTRAP_SERVERS.get(settings);
        String bind = StackKeys.REGISTRY_BIND.get(settings);
        int port = StackKeys.REGISTRY_PORT.ifSet(settings).orElse(DEFAULT_PORT);
        List<RegistryUser> users = users(settings);
        Optional<TlsMaterial> tls = tls(settings);
        if (users.isEmpty() && !isLoopback(bind) && !RegistryKeys.ALLOW_OPEN.get(settings)) {
            throw new ConfigException(
                    StackKeys.REGISTRY_AUTH_USERS.name(),
                    "the registry would serve " + bind + " without authentication; set registry.auth.users or "
                            + "registry.auth.users.file (or registry.bind=127.0.0.1, or registry.allow.open=true)",
                    false);
        }
        Map<String, Object> client = new HashMap<>(Settings.kafkaOverrides(settings, "registry"));
        KafkaBackedSchemaRegistry.Config logConfig = new KafkaBackedSchemaRegistry.Config(
                bootstrap,
                TopicNames.fromProperties(settings).schemas(),
                KafkaBackedSchemaRegistry.Config.DEFAULT_TIMEOUT,
                client);
        EmbeddedSchemaRegistry server =
                EmbeddedSchemaRegistry.kafkaBacked(new EmbeddedSchemaRegistry.Config(bind, port, 8), logConfig);
        server.users(users);
        tls.ifPresent(server::tls);
        server.start();
        RegistryService service = new RegistryService(server, (KafkaBackedSchemaRegistry) server.registry());
        try {
            int opsPort = AppKeys.OPS_PORT.get(settings);
            if (opsPort >= 0) {
                service.ops = new OpsServer(
                        AppKeys.OPS_BIND.get(settings),
                        opsPort,
                        () -> List.of(service.report()),
                        service.metrics::scrape);
            }
        } catch (IOException e) {
            service.close();
            throw new UncheckedIOException("Cannot serve the registry's health endpoints: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            service.close();
            throw e;
        }
        return service;
    }

    private static List<RegistryUser> users(Map<String, String> settings) {
        List<RegistryUser> users = new ArrayList<>();
        try {
            users.addAll(RegistryUser.parseList(
                    StackKeys.REGISTRY_AUTH_USERS.find(settings).orElse("")));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(
                    StackKeys.REGISTRY_AUTH_USERS.name(),
                    StackKeys.REGISTRY_AUTH_USERS.name() + ": " + e.getMessage(),
                    false);
        }
        Optional<String> file = RegistryKeys.AUTH_USERS_FILE.find(settings);
        if (file.isPresent()) {
            String key = RegistryKeys.AUTH_USERS_FILE.name();
            List<String> lines;
            try {
                lines = Files.readAllLines(Path.of(file.get()));
            } catch (IOException e) {
                throw new ConfigException(key, key + ": cannot read " + file.get() + ": " + e.getMessage(), false);
            }
            List<String> entries = lines.stream()
                    .map(String::strip)
                    .filter(l -> !l.isEmpty() && !l.startsWith("#"))
                    .toList();
            try {
                for (RegistryUser user : RegistryUser.parseList(String.join(",", entries))) {
                    if (users.stream().anyMatch(u -> u.name().equals(user.name()))) {
                        throw new IllegalArgumentException(
                                "Registry user " + user.name() + " is in both registry.auth.users and " + file.get());
                    }
                    users.add(user);
                }
            } catch (IllegalArgumentException e) {
                // The parser's messages name entries, users and roles, never a password.
                throw new ConfigException(key, key + " " + file.get() + ": " + e.getMessage(), false);
            }
        }
        return users;
    }

    private static Optional<TlsMaterial> tls(Map<String, String> settings) {
        Optional<String> keystore = RegistryKeys.SSL_KEYSTORE_LOCATION.find(settings);
        if (keystore.isEmpty()) {
            return Optional.empty();
        }
        Path path = Path.of(keystore.get());
        if (!Files.isReadable(path)) {
            throw new ConfigException(
                    RegistryKeys.SSL_KEYSTORE_LOCATION.name(),
                    RegistryKeys.SSL_KEYSTORE_LOCATION.name() + ": cannot read the keystore " + path,
                    false);
        }
        String password = RegistryKeys.SSL_KEYSTORE_PASSWORD
                .find(settings)
                .orElseThrow(() -> ConfigException.missing(
                        RegistryKeys.SSL_KEYSTORE_PASSWORD.name(), RegistryKeys.SSL_KEYSTORE_PASSWORD.doc()));
        // The server uses the keystore alone; clients bring the truststore.
        return Optional.of(new TlsMaterial(path, null, password, null));
    }

    private static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** Ready while this instance may write the log; a fenced one serves reads only and says so. */
    Supervisor.Report report() {
        ComponentHealth health = log.fenced()
                ? ComponentHealth.notReady(
                        "FENCED", "a newer registry instance writes the log; this one serves reads only")
                : ComponentHealth.ready("RUNNING");
        return new Supervisor.Report("registry", Supervisor.Status.RUNNING, health, 0, 0, "");
    }

    /** The registry's base URL ({@code https://...} with TLS). */
    public String url() {
        return server.url();
    }

    /** The ops server's port, when it runs. */
    public Optional<Integer> opsPort() {
        return Optional.ofNullable(ops).map(OpsServer::port);
    }

    /** Whether a newer instance on the same log took over writing. */
    public boolean fenced() {
        return log.fenced();
    }

    /** Stops the health server, then the registry and its Kafka clients. */
    @Override
    public void close() {
        if (ops != null) {
            ops.close();
            ops = null;
        }
        server.close();
        metrics.close();
    }
}
