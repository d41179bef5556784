package io.streamrlhf.localstack.stack;

import io.streamrlhf.config.ConfigException;
import io.streamrlhf.localstack.broker.BrokerSecurity;
import io.streamrlhf.localstack.broker.EmbeddedKafkaBroker;
import io.streamrlhf.localstack.registry.EmbeddedSchemaRegistry;
import io.streamrlhf.localstack.registry.KafkaBackedSchemaRegistry;
import io.streamrlhf.localstack.registry.RegistryRole;
import io.streamrlhf.localstack.registry.RegistryUser;
import io.streamrlhf.schemas.topic.TopicProvisioner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded infrastructure of the local stack: a KRaft broker whose data persists under the data folder,
 * the Confluent-compatible schema registry (its schemas kept in a compacted topic on that broker), and every
 * topic provisioned. Closing stops them in reverse order. A {@link #secured secured} stack's registry serves
 * HTTPS with the broker's certificate and requires basic authentication: an admin, a writer and a reader
 * ({@link BrokerSecurity#registryAdminUserInfo()} ...), plus the users of {@code registry.auth.users}.
 */
public final class LocalStack implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LocalStack.class);

    private final StackConfig config;
    private final String admin;
    private final List<String> users;
    private final BrokerSecurity.Mode mode;
    private final Map<String, RegistryRole> registryRoles;
    private final Deque<AutoCloseable> started = new ArrayDeque<>();
    private EmbeddedKafkaBroker broker;
    private EmbeddedSchemaRegistry registry;
    private TopicProvisioner.Report topicReport;

    public LocalStack(StackConfig config) {
        this(config, null, List.of(), BrokerSecurity.Mode.SASL_SSL, Map.of());
    }

    private LocalStack(
            StackConfig config,
            String admin,
            Collection<String> users,
            BrokerSecurity.Mode mode,
            Map<String, RegistryRole> registryRoles) {
        this.config = config;
        this.admin = admin;
        this.users = List.copyOf(users);
        this.mode = Objects.requireNonNull(mode, "mode");
        this.registryRoles = Map.copyOf(registryRoles);
    }

    /**
     * A stack whose broker accepts only SASL_SSL and authorizes by ACL ({@link BrokerSecurity}): {@code admin} is
     * its super user (topics and the registry's log use it), each of {@code users} gets a SCRAM credential. The
     * passwords and TLS files are kept under {@code <data.dir>/security}, readable by their owner only.
     */
    public static LocalStack secured(StackConfig config, String admin, Collection<String> users) {
        return secured(config, admin, users, BrokerSecurity.Mode.SASL_SSL);
    }

    /**
     * As {@link #secured(StackConfig, String, Collection)}, with clients authenticating by {@code mode}
     * ({@link BrokerSecurity.Mode#MTLS}: a client certificate per user, whose {@code CN} is its principal). One data
     * folder may be started in either mode: the principals and ACLs are the same.
     */
    public static LocalStack secured(
            StackConfig config, String admin, Collection<String> users, BrokerSecurity.Mode mode) {
        return secured(config, admin, users, mode, Map.of());
    }

    /**
     * As {@link #secured(StackConfig, String, Collection, BrokerSecurity.Mode)}, and each user named in
     * {@code registryRoles} is also a registry user of that role, with its own password
     * ({@link BrokerSecurity#registryUserInfo(String)}): least privilege on the registry as on the broker.
     */
    public static LocalStack secured(
            StackConfig config,
            String admin,
            Collection<String> users,
            BrokerSecurity.Mode mode,
            Map<String, RegistryRole> registryRoles) {
        if (!users.containsAll(registryRoles.keySet())) {
            throw new IllegalArgumentException(
                    "Registry roles for users without credentials: " + registryRoles.keySet());
        }
        return new LocalStack(config, Objects.requireNonNull(admin, "admin"), users, mode, registryRoles);
    }

    /** Starts broker, registry and topics; on failure stops whatever had started and rethrows. */
    public LocalStack start() {
        checkSecurityMatchesData();
        try {
            Map<String, String> brokerOverrides =
                    config.kafkaPort() == 0 ? Map.of() : Map.of("port", String.valueOf(config.kafkaPort()));
            broker = (admin == null
                            ? EmbeddedKafkaBroker.persistent(config.dataDir().resolve("kafka"), brokerOverrides)
                            : EmbeddedKafkaBroker.persistent(
                                    config.dataDir().resolve("kafka"),
                                    brokerOverrides,
                                    BrokerSecurity.loadOrCreate(
                                            config.dataDir().resolve("security"), admin, users, mode)))
                    .start();
            started.push(broker);
            try (Admin admin = Admin.create(broker.adminProperties())) {
                topicReport = new TopicProvisioner(admin)
                        .ensure(config.layout().specs(config.names(), config.monitorEventsTopic()));
            }
            registry = EmbeddedSchemaRegistry.kafkaBacked(
                    new EmbeddedSchemaRegistry.Config(config.registryBindAddress(), config.registryPort(), 4),
                    new KafkaBackedSchemaRegistry.Config(
                            broker.bootstrapServers(),
                            config.names().schemas(),
                            KafkaBackedSchemaRegistry.Config.DEFAULT_TIMEOUT,
                            registryClientProperties()));
            registry.users(config.registryUsers());
            broker.security().ifPresent(s -> registry.tls(s.tls()).users(stackRegistryUsers(s, registryRoles)));
            registry.start();
            started.push(registry);
            log.info("Local stack up: kafka {} registry {}", broker.bootstrapServers(), registry.url());
            return this;
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * A secured stack's registry users: an admin for the operator, a shared writer and reader, and one user per
     * entry of {@code roles}, named as its Kafka user.
     */
    private static List<RegistryUser> stackRegistryUsers(BrokerSecurity security, Map<String, RegistryRole> roles) {
        List<RegistryUser> out = new java.util.ArrayList<>(List.of(
                user(security.registryAdminUserInfo(), RegistryRole.ADMIN),
                user(security.registryUserInfo(), RegistryRole.WRITER),
                user(security.registryReaderUserInfo(), RegistryRole.READER)));
        new java.util.TreeMap<>(roles).forEach((name, role) -> out.add(user(security.registryUserInfo(name), role)));
        return out;
    }

    private static RegistryUser user(String userInfo, RegistryRole role) {
        int colon = userInfo.indexOf(':');
        return new RegistryUser(userInfo.substring(0, colon), role, userInfo.substring(colon + 1));
    }

    /**
     * A plain broker's data cannot be secured in place (its metadata lacks the admin's SCRAM credential), and a
     * secured broker's data must not be served without authentication: refuse both, naming the fix.
     */
    private void checkSecurityMatchesData() {
        Path dataDir = config.dataDir();
        boolean hasData =
                Files.exists(dataDir.resolve("kafka").resolve("kraft-logs").resolve("meta.properties"));
        boolean secured = Files.exists(dataDir.resolve("security").resolve("secrets.properties"));
        if (hasData && admin != null && !secured) {
            throw new ConfigException(
                    StackKeys.DATA_DIR.name(),
                    "data.dir " + dataDir + " holds a broker started without --secure; a secured stack needs a new "
                            + "data.dir",
                    false);
        }
        if (hasData && admin == null && secured) {
            throw new ConfigException(
                    StackKeys.DATA_DIR.name(),
                    "data.dir " + dataDir
                            + " holds a secured broker (its ACLs and credentials); start it with --secure",
                    false);
        }
    }

    /** The registry's Kafka client settings: the admin's credentials on a secured broker, none otherwise. */
    private Map<String, Object> registryClientProperties() {
        Map<String, Object> p = new HashMap<>(broker.adminProperties());
        p.remove(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG);
        return p;
    }

    /** The security of a secured stack: users, passwords and TLS files; empty for a plain one. */
    public Optional<BrokerSecurity> security() {
        return broker.security();
    }

    /** Client settings of the broker's super user ({@code bootstrap.servers} included). */
    public Map<String, Object> adminProperties() {
        return broker.adminProperties();
    }

    public String bootstrapServers() {
        return broker.bootstrapServers();
    }

    public String registryUrl() {
        return registry.url();
    }

    public StackConfig config() {
        return config;
    }

    /** What topic provisioning found and did. */
    public TopicProvisioner.Report topicReport() {
        return topicReport;
    }

    @Override
    public void close() {
        while (!started.isEmpty()) {
            AutoCloseable component = started.pop();
            try {
                component.close();
            } catch (Exception e) {
                log.warn("Failed to stop {}", component.getClass().getSimpleName(), e);
            }
        }
    }
}
