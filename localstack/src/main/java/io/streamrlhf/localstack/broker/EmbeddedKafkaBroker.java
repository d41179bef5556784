package io.streamrlhf.localstack.broker;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.function.IntSupplier;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node Kafka broker in KRaft mode (broker and controller in one process) running inside this JVM.
 *
 * <p>Free ports are chosen automatically, data lives under a folder (kept across restarts when the caller
 * owns it, deleted on close when it was a temporary one), and the single-node settings that make consumer
 * groups and transactions work on one broker are applied. Needs {@code kafka_2.13} and {@code kafka-server} on
 * the classpath (the schemas module declares them optional: the app and tests add them).
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);
    private static final int NODE_ID = 1;
    // Another process (a test running beside this one, say) can take a port between choosing it and binding it.
    static final int BIND_ATTEMPTS = 5;

    private final Path dataDir;
    private final boolean temporary;
    private final Map<String, String> overrides;
    private final BrokerSecurity security;
    private IntSupplier portChooser = EmbeddedKafkaBroker::freePort;
    private KafkaRaftServer server;
    private String bootstrapServers;
    // Kept across stop() and start(): clients configured with the first address reconnect to the restarted broker.
    private int brokerPort = -1;
    private int controllerPort = -1;

    private EmbeddedKafkaBroker(
            Path dataDir, boolean temporary, Map<String, String> overrides, BrokerSecurity security) {
        this.dataDir = dataDir;
        this.temporary = temporary;
        this.overrides = Map.copyOf(overrides);
        this.security = security;
    }

    /** A broker on a fresh temporary folder, deleted on close. */
    public static EmbeddedKafkaBroker temporary() {
        return temporary(Map.of());
    }

    /** A broker on a fresh temporary folder with extra broker settings, deleted on close. */
    public static EmbeddedKafkaBroker temporary(Map<String, String> overrides) {
        try {
            return new EmbeddedKafkaBroker(Files.createTempDirectory("streamrlhf-kafka-"), true, overrides, null);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create a temporary folder for the embedded broker", e);
        }
    }

    /** A broker whose data survives restarts in {@code dataDir} (formatted on first start). */
    public static EmbeddedKafkaBroker persistent(Path dataDir, Map<String, String> overrides) {
        return new EmbeddedKafkaBroker(Objects.requireNonNull(dataDir, "dataDir"), false, overrides, null);
    }

    /**
     * A broker on a fresh temporary folder that accepts only SASL_SSL (SCRAM-SHA-512 over TLS) and authorizes
     * every request by ACL: {@code admin} is the super user, every one of {@code users} gets a SCRAM credential
     * (and no ACL: grant them with {@link #adminProperties()}). Certificates and passwords are made at start.
     */
    public static EmbeddedKafkaBroker secured(String admin, Collection<String> users) {
        return secured(admin, users, BrokerSecurity.Mode.SASL_SSL);
    }

    /**
     * As {@link #secured(String, Collection)}, with clients authenticating by {@code mode}: under
     * {@link BrokerSecurity.Mode#MTLS} the only client listener is TLS with a client certificate required, each
     * user's principal being its certificate's {@code CN}.
     */
    public static EmbeddedKafkaBroker secured(String admin, Collection<String> users, BrokerSecurity.Mode mode) {
        try {
            Path dir = Files.createTempDirectory("streamrlhf-kafka-");
            return new EmbeddedKafkaBroker(
                    dir, true, Map.of(), BrokerSecurity.loadOrCreate(dir.resolve("security"), admin, users, mode));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create a temporary folder for the embedded broker", e);
        }
    }

    /** A broker whose data survives restarts in {@code dataDir}, secured by {@code security}. */
    public static EmbeddedKafkaBroker persistent(Path dataDir, Map<String, String> overrides, BrokerSecurity security) {
        return new EmbeddedKafkaBroker(
                Objects.requireNonNull(dataDir, "dataDir"),
                false,
                overrides,
                Objects.requireNonNull(security, "security"));
    }

    /**
     * Formats the storage if needed and starts the broker; returns once it accepts requests. After {@link #stop()}
     * it starts again on the same ports and data, so running clients reconnect to it.
     */
    public synchronized EmbeddedKafkaBroker start() {
        if (server != null) {
            throw new IllegalStateException("Embedded broker already started at " + bootstrapServers);
        }
        long started = System.nanoTime();
        // Ports chosen here may be re-chosen when taken before the broker binds them; a pinned port (the
        // "port" setting, or the ports of an earlier start that clients already know) may not.
        boolean freshPorts = brokerPort < 0;
        for (int attempt = 1; ; attempt++) {
            if (brokerPort < 0) {
                brokerPort = overrides.containsKey("port")
                        ? Integer.parseInt(overrides.get("port"))
                        : portChooser.getAsInt();
                controllerPort = portChooser.getAsInt();
            }
            try {
                startServer();
                break;
            } catch (Exception e) {
                closeQuietly();
                boolean pinnedTaken = overrides.containsKey("port") && namesPort(e, brokerPort);
                boolean retry = freshPorts && attempt < BIND_ATTEMPTS && portTaken(e) && !pinnedTaken;
                String tried = "ports " + brokerPort + "/" + controllerPort;
                if (!retry) {
                    throw new IllegalStateException(
                            "Embedded Kafka broker failed to start in " + dataDir + " on " + tried
                                    + (attempt > 1 ? " (attempt " + attempt + " of " + BIND_ATTEMPTS + ")" : ""),
                            e);
                }
                log.warn("Embedded broker could not bind {} (taken since chosen); choosing new ports", tried);
                brokerPort = -1;
            }
        }
        bootstrapServers = "127.0.0.1:" + brokerPort;
        awaitReady();
        if (security != null) {
            upsertCredentials();
        }
        log.info(
                "Embedded Kafka broker ready at {} (data in {}) after {} ms",
                bootstrapServers,
                dataDir,
                (System.nanoTime() - started) / 1_000_000);
        return this;
    }

    private void startServer() throws Exception {
        Path logDir = dataDir.resolve("kraft-logs");
        Map<String, String> props = new HashMap<>();
        props.put("process.roles", "broker,controller");
        props.put("node.id", String.valueOf(NODE_ID));
        props.put("controller.quorum.voters", NODE_ID + "@127.0.0.1:" + controllerPort);
        props.put("controller.listener.names", "CONTROLLER");
        if (security == null) {
            props.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
            props.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
            props.put("inter.broker.listener.name", "PLAINTEXT");
            props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        } else {
            props.putAll(security.brokerProperties("127.0.0.1", brokerPort, controllerPort));
        }
        props.put("log.dirs", logDir.toString());
        // One broker: internal topics must not ask for more replicas than exist, or groups and transactions stall.
        props.put("offsets.topic.replication.factor", "1");
        props.put("offsets.topic.num.partitions", "4");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("transaction.state.log.num.partitions", "4");
        props.put("share.coordinator.state.topic.replication.factor", "1");
        props.put("share.coordinator.state.topic.min.isr", "1");
        props.put("group.initial.rebalance.delay.ms", "0");
        props.put("num.partitions", "1");
        props.put("default.replication.factor", "1");
        props.put("min.insync.replicas", "1");
        props.put("log.flush.interval.messages", String.valueOf(Long.MAX_VALUE));
        props.put("num.network.threads", "2");
        props.put("num.io.threads", "4");
        // After a crash the controller keeps the dead incarnation's registration alive for one broker session,
        // and refuses the restarted broker until it expires: the default 9 s would be most of a kill -9 restart.
        props.put("broker.session.timeout.ms", "3000");
        props.put("broker.heartbeat.interval.ms", "500");
        overrides.forEach((k, v) -> {
            if (!k.equals("port")) {
                props.put(k, v);
            }
        });
        Files.createDirectories(logDir);
        format(logDir);
        KafkaConfig config = new KafkaConfig(props, false);
        server = new KafkaRaftServer(config, Time.SYSTEM);
        server.startup();
    }

    private static boolean portTaken(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException) {
                return true;
            }
        }
        return false;
    }

    /** Whether Kafka's bind error names {@code port} ("failed to bind to 127.0.0.1:PORT"). */
    private static boolean namesPort(Throwable e, int port) {
        Pattern address = Pattern.compile(":" + port + "(?![0-9])");
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && address.matcher(t.getMessage()).find()) {
                return true;
            }
        }
        return false;
    }

    /** Chooses the ports of a first start (tests make a chosen port taken with it). */
    synchronized EmbeddedKafkaBroker choosePortsWith(IntSupplier chooser) {
        this.portChooser = Objects.requireNonNull(chooser, "chooser");
        return this;
    }

    private void format(Path logDir) throws Exception {
        if (Files.exists(logDir.resolve("meta.properties"))) {
            return;
        }
        Formatter formatter = new Formatter();
        if (security != null) {
            // The admin's credential must exist before the first start: brokers authenticate to each other with it.
            formatter.setScramArguments(List.of(security.adminScramArgument()));
        }
        formatter
                .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                .setNodeId(NODE_ID)
                .setClusterId(Uuid.randomUuid().toString())
                .setDirectories(List.of(logDir.toString()))
                .setMetadataLogDirectory(logDir.toString())
                .setReleaseVersion(MetadataVersion.latestProduction())
                .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
                .setControllerListenerName("CONTROLLER")
                .setIgnoreFormatted(true)
                .run();
    }

    private void awaitReady() {
        Properties adminProps = new Properties();
        adminProps.putAll(adminProperties());
        long deadline = System.currentTimeMillis() + 60_000;
        try (Admin admin = Admin.create(adminProps)) {
            while (true) {
                try {
                    if (!admin.describeCluster()
                            .nodes()
                            .get(5, java.util.concurrent.TimeUnit.SECONDS)
                            .isEmpty()) {
                        return;
                    }
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    if (System.currentTimeMillis() > deadline) {
                        throw new IllegalStateException("Embedded broker did not become ready within 60 s", e);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("Interrupted while waiting for the embedded broker", e);
                }
            }
        }
    }

    /** The {@code bootstrap.servers} value for clients. */
    public synchronized String bootstrapServers() {
        if (bootstrapServers == null) {
            throw new IllegalStateException("Embedded broker not started");
        }
        return bootstrapServers;
    }

    /**
     * Properties with which the super user connects: {@code bootstrap.servers} alone for a plain broker, plus
     * the SASL_SSL settings for a secured one.
     */
    public Map<String, Object> adminProperties() {
        Map<String, Object> p = new HashMap<>();
        if (security != null) {
            p.putAll(security.clientProperties(security.admin()));
        }
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return p;
    }

    /** The security of a secured broker (its users, passwords and TLS files), empty for a plain one. */
    public Optional<BrokerSecurity> security() {
        return Optional.ofNullable(security);
    }

    /**
     * Gives every user its SCRAM credential (again after a restart: the same password keeps the same credential;
     * a user added since the last start gets one).
     */
    private void upsertCredentials() {
        List<UserScramCredentialAlteration> upserts = new ArrayList<>();
        security.passwords().forEach((user, password) -> {
            if (!user.equals(security.admin())) {
                upserts.add(new UserScramCredentialUpsertion(
                        user, new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192), password));
            }
        });
        if (upserts.isEmpty()) {
            return;
        }
        try (Admin admin = Admin.create(adminProperties())) {
            admin.alterUserScramCredentials(upserts).all().get(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("Cannot create the SCRAM credentials of " + security, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while creating SCRAM credentials", e);
        }
    }

    /** The folder holding the broker's data. */
    public Path dataDir() {
        return dataDir;
    }

    /** Stops the broker (and deletes its data when it was temporary). */
    @Override
    public synchronized void close() {
        closeQuietly();
        if (temporary) {
            deleteRecursively(dataDir);
        }
    }

    /** Stops the broker but keeps its data, so that {@link #start()} can bring it back. */
    public synchronized void stop() {
        closeQuietly();
    }

    private void closeQuietly() {
        if (server != null) {
            try {
                server.shutdown();
                server.awaitShutdown();
            } catch (RuntimeException e) {
                log.warn("Embedded broker did not shut down cleanly", e);
            }
            server = null;
            bootstrapServers = null;
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("No free port on loopback", e);
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            log.warn("Could not delete {}", dir, e);
        }
    }
}
