package io.streamrlhf.localstack.compose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker settings the compose file's {@code secrets} service writes ({@code docker/secrets-init.sh}) start a real
 * KRaft broker: with no Docker daemon here, the script runs with the JDK's keytool, its {@code server.properties} is
 * used as written except for host names, ports and folders (compose's {@code kafka:9092}/{@code 9093} become free
 * loopback ports; the certificates name {@code localhost} too), and the log folder is formatted with the SCRAM users
 * of its {@code format.sh}. So the controller listener (PLAIN over TLS), the SCRAM-SHA-512 broker listener and the
 * {@code StandardAuthorizer} are checked working, and the components' settings files (their truststore and JAAS
 * lines) connect as their own principals.
 */
class ComposeBrokerSettingsIT {

    private static final Path DOCKER =
            Path.of(System.getProperty("user.dir")).resolve("../docker").normalize();

    @TempDir
    static Path dir;

    private static Path secrets;
    private static KafkaRaftServer server;
    private static String bootstrap;

    @BeforeAll
    static void startTheComposeBroker() throws Exception {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        assumeTrue(Files.isExecutable(Path.of("/bin/sh")) && Files.isExecutable(keytool), "sh and keytool needed");
        secrets = dir.resolve("secrets");
        ProcessBuilder builder = new ProcessBuilder(
                        "/bin/sh", DOCKER.resolve("secrets-init.sh").toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("script.log").toFile());
        Object uid = Files.getAttribute(dir, "unix:uid");
        Map<String, String> env = builder.environment();
        env.put("SECRETS_DIR", secrets.toString());
        env.put("SHARED_PROPERTIES", DOCKER.resolve("streamrlhf.properties").toString());
        env.put("KAFKA_UID", String.valueOf(uid));
        env.put("APP_UID", String.valueOf(uid));
        env.put("KEY_SIZE", "2048");
        env.put("PATH", keytool.getParent() + ":" + env.getOrDefault("PATH", "/usr/bin:/bin"));
        Process script = builder.start();
        assertThat(script.waitFor(5, TimeUnit.MINUTES)).isTrue();
        assertThat(script.exitValue())
                .as(Files.readString(dir.resolve("script.log")))
                .isZero();

        // A port chosen free can be taken by the other test JVM before the broker binds it: choose again then.
        for (int attempt = 1; ; attempt++) {
            try {
                startBroker(attempt);
                return;
            } catch (Exception e) {
                if (server != null) {
                    server.shutdown();
                    server.awaitShutdown();
                    server = null;
                }
                if (attempt == 5 || !portTaken(e)) {
                    throw e;
                }
            }
        }
    }

    private static boolean portTaken(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.BindException) {
                return true;
            }
        }
        return false;
    }

    private static void startBroker(int attempt) throws Exception {
        int brokerPort = freePort();
        int controllerPort = freePort();
        Path kafka = secrets.resolve("kafka");
        Properties props = new Properties();
        for (String line : Files.readAllLines(kafka.resolve("server.properties"))) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                props.put(line.substring(0, eq), localize(line.substring(eq + 1), kafka, brokerPort, controllerPort));
            }
        }
        Path logDir = dir.resolve("data-" + attempt);
        props.put("log.dirs", logDir.toString());
        assertThat(props.getProperty("listener.security.protocol.map")).doesNotContain("PLAINTEXT");

        Files.createDirectories(logDir);
        new Formatter()
                .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                .setNodeId(Integer.parseInt(props.getProperty("node.id")))
                .setClusterId(Uuid.randomUuid().toString())
                .setDirectories(List.of(logDir.toString()))
                .setMetadataLogDirectory(logDir.toString())
                .setReleaseVersion(MetadataVersion.latestProduction())
                .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
                .setControllerListenerName(props.getProperty("controller.listener.names"))
                .setScramArguments(scramArguments(Files.readString(kafka.resolve("format.sh"))))
                .run();
        server = new KafkaRaftServer(new KafkaConfig(props, false), Time.SYSTEM);
        server.startup();
        bootstrap = "localhost:" + brokerPort;
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.shutdown();
            server.awaitShutdown();
        }
    }

    @Test
    void theAdminCreatesTopicsAndAclsAndAComponentGetsOnlyWhatItIsGranted() throws Exception {
        try (Admin admin = Admin.create(client("acls", "admin"));
                Admin trainer = Admin.create(client("trainer", "trainer"))) {
            // The admin (a super user, from the acls service's settings) creates a topic over SASL_SSL
            admin.createTopics(List.of(new NewTopic("compose.check", 1, (short) 1)))
                    .all()
                    .get(60, TimeUnit.SECONDS);

            // The trainer's principal, without an ACL, is refused by the StandardAuthorizer
            assertThatThrownBy(() -> trainer.describeTopics(List.of("compose.check"))
                            .allTopicNames()
                            .get(60, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(TopicAuthorizationException.class);

            // and allowed once the admin grants it
            admin.createAcls(List.of(new AclBinding(
                            new ResourcePattern(ResourceType.TOPIC, "compose.check", PatternType.LITERAL),
                            new AccessControlEntry(
                                    "User:streamrlhf-trainer", "*", AclOperation.DESCRIBE, AclPermissionType.ALLOW))))
                    .all()
                    .get(60, TimeUnit.SECONDS);
            org.awaitility.Awaitility.await()
                    .atMost(java.time.Duration.ofSeconds(60))
                    .ignoreExceptions()
                    .until(() -> trainer.describeTopics(List.of("compose.check"))
                            .allTopicNames()
                            .get(10, TimeUnit.SECONDS)
                            .containsKey("compose.check"));
        }
    }

    @Test
    void everyComponentsSettingsFileAuthenticatesAsItsOwnPrincipal() throws Exception {
        for (String[] service : new String[][] {
            {"streams", "streams"}, {"sampler", "sampler"}, {"gateway", "gateway"}, {"dashboard", "dashboard"},
            {"erasures", "erasures"}, {"users", "users"}, {"users", "prompts"}, {"schema-registry", "registry"}
        }) {
            try (Admin client = Admin.create(client(service[0], service[1]))) {
                // Authenticated: the cluster answers (describing the cluster needs no ACL)
                assertThat(client.describeCluster().clusterId().get(60, TimeUnit.SECONDS))
                        .as(service[1])
                        .isNotBlank();
            }
        }
    }

    /** A component's client settings from its service's settings file, as {@code Settings.kafkaOverrides} reads them. */
    private static Map<String, Object> client(String service, String component) throws Exception {
        Path folder = secrets.resolve(service);
        Properties file = new Properties();
        try (InputStream in = Files.newInputStream(folder.resolve("streamrlhf.properties"))) {
            file.load(in);
        }
        Map<String, Object> out = new HashMap<>();
        for (String prefix : List.of("kafka.", component + ".kafka.")) {
            for (String key : file.stringPropertyNames()) {
                if (key.startsWith(prefix)) {
                    out.put(
                            key.substring(prefix.length()),
                            file.getProperty(key).replace("/etc/streamrlhf/secrets", folder.toString()));
                }
            }
        }
        assertThat(out).as(service + " " + component).containsKey("sasl.jaas.config");
        out.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        out.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 60_000);
        return out;
    }

    private static String localize(String value, Path kafka, int brokerPort, int controllerPort) {
        return value.replace("/etc/kafka/secrets", kafka.toString())
                .replace("kafka:9092", "localhost:" + brokerPort)
                .replace("kafka:9093", "localhost:" + controllerPort)
                .replace("://:9092", "://localhost:" + brokerPort)
                .replace("://:9093", "://localhost:" + controllerPort);
    }

    private static List<String> scramArguments(String formatScript) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("--add-scram '([^']+)'").matcher(formatScript);
        while (m.find()) {
            out.add(m.group(1));
        }
        assertThat(out).isNotEmpty();
        return out;
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
