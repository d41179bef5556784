package io.streamrlhf.app.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.streamrlhf.app.pipeline.DemoStack;
import io.streamrlhf.avro.PolicyVersion;
import io.streamrlhf.config.Settings;
import io.streamrlhf.schemas.registry.RegistryTruststore;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * {@code demo --secure} end to end: the whole loop (streams, trainer, sampler, prompts, users, gateway, dashboard)
 * on the embedded broker with SASL_SSL, SCRAM-SHA-512 and the StandardAuthorizer, every component with its own
 * principal and only the ACLs of {@link KafkaAcls}. The policy learns (a version trained on examples is published),
 * and one component's credentials do not open another's topics.
 */
class SecureDemoIT {

    @Test
    void loopLearnsOnTheSecuredBrokerAndEachPrincipalIsConfinedToItsTopics(@TempDir Path dataDir) throws Exception {
        Settings settings = Settings.of(Map.ofEntries(
                Map.entry("data.dir", dataDir.toString()),
                Map.entry("dashboard.port", "0"),
                Map.entry("gateway.port", "0"),
                Map.entry("monitor.http.port", "0"),
                // Any free port: another process on the machine may hold the default 9464.
                Map.entry("ops.port", "0"),
                Map.entry("trainer.model.layers", "1"),
                Map.entry("trainer.model.width", "32"),
                Map.entry("trainer.model.heads", "2"),
                Map.entry("trainer.model.context", "64"),
                Map.entry("trainer.warmstart.steps", "5"),
                Map.entry("warmstart.corpus.lines", "50"),
                Map.entry("trainer.publish.every.steps", "1"),
                Map.entry("trainer.kto.batch.size", "2"),
                Map.entry("trainer.dpo.batch.size", "2"),
                Map.entry("sampler.max.tokens", "8"),
                Map.entry("kto.settle.delay", "0s"),
                Map.entry("streams.application.id", "secure-demo-it")));
        StringWriter progress = new StringWriter();
        // Every log line of the run, Kafka's own config dumps included (AbstractConfig logs each client's values).
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.addAppender(logs);
        Logger kafkaConfig = (Logger) LoggerFactory.getLogger("org.apache.kafka.common.config.AbstractConfig");
        Level before = kafkaConfig.getLevel();
        kafkaConfig.setLevel(Level.INFO);
        Map<String, String> client;
        try (DemoStack demo = DemoStack.start(settings, new PrintWriter(progress, true), true)) {
            // Given the client settings file, readable by its owner only
            Path file = demo.clientFile().orElseThrow();
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                    .isEqualTo("rw-------");
            client = Settings.load(file, Map.of(), Map.of()).asMap();
            String bootstrap = client.get("bootstrap.servers");
            String versions = demo.pipeline().topics().policyVersions().name();
            String ktoExamples = demo.pipeline().topics().names().ktoExamples();

            // Then the gateway's principal cannot publish a policy version, nor the sampler's write examples
            assertDeniedWrite(bootstrap, Settings.kafkaOverrides(client, "gateway"), versions);
            assertDeniedWrite(bootstrap, Settings.kafkaOverrides(client, "sampler"), ktoExamples);

            // And the schema registry serves HTTPS with the broker's authority, and answers only with a
            // password from the client settings: a component's own (the trainer's, a writer) may read but not
            // change compatibility
            HttpClient registryHttp = HttpClient.newBuilder()
                    .sslContext(new RegistryTruststore(
                                    Path.of(client.get("kafka.ssl.truststore.location")),
                                    client.get("kafka.ssl.truststore.password"),
                                    "PKCS12")
                            .sslContext())
                    .build();
            String registryUrl = client.get("schema.registry.url");
            assertThat(registryUrl).startsWith("https://");
            HttpResponse<String> anonymous = registryHttp.send(
                    HttpRequest.newBuilder(URI.create(registryUrl + "/subjects"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(anonymous.statusCode()).isEqualTo(401);
            String writer = "Basic "
                    + Base64.getEncoder()
                            .encodeToString(client.get("trainer.schema.registry.basic.auth.user.info")
                                    .getBytes(StandardCharsets.UTF_8));
            HttpResponse<String> subjects = registryHttp.send(
                    HttpRequest.newBuilder(URI.create(registryUrl + "/subjects"))
                            .header("Authorization", writer)
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(subjects.statusCode()).isEqualTo(200);
            HttpResponse<String> changeLevel = registryHttp.send(
                    HttpRequest.newBuilder(URI.create(registryUrl + "/config"))
                            .header("Authorization", writer)
                            .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                            .PUT(HttpRequest.BodyPublishers.ofString("{\"compatibility\":\"NONE\"}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(changeLevel.statusCode()).isEqualTo(403);

            // And the loop learns: a version trained on examples (its lineage non-empty) is published
            List<PolicyVersion> seen = new CopyOnWriteArrayList<>();
            try (KafkaConsumer<String, PolicyVersion> consumer = demo.pipeline()
                    .topics()
                    .policyVersions()
                    .replayingConsumer(bootstrap, new HashMap<>(Settings.kafkaOverrides(client, "dashboard")))) {
                await().atMost(Duration.ofSeconds(150))
                        .pollInterval(Duration.ofMillis(200))
                        .until(() -> {
                            for (ConsumerRecord<String, PolicyVersion> r : consumer.poll(Duration.ofMillis(500))) {
                                seen.add(r.value());
                            }
                            return seen.stream()
                                    .anyMatch(v -> v.getVersion() >= 1
                                            && !v.getLineage().isEmpty());
                        });
            }
            assertThat(progress.toString()).contains("version 1 ");
        } finally {
            root.detachAppender(logs);
            kafkaConfig.setLevel(before);
        }
        // And no log line carries a password: neither a component's SCRAM password nor the truststore's
        List<String> secrets = new ArrayList<>();
        client.forEach((k, v) -> {
            Matcher m = PASSWORD.matcher(v);
            while (m.find()) {
                secrets.add(m.group(1));
            }
            if (k.endsWith("password")) {
                secrets.add(v);
            }
            if (k.endsWith("basic.auth.user.info")) {
                secrets.add(v.substring(v.indexOf(':') + 1));
            }
        });
        assertThat(secrets).hasSizeGreaterThanOrEqualTo(10);
        List<String> lines = logs.list.stream()
                .map(e -> e.getFormattedMessage()
                        + (e.getThrowableProxy() == null
                                ? ""
                                : " " + e.getThrowableProxy().getMessage()))
                .toList();
        assertThat(lines).as("log lines captured").anyMatch(l -> l.contains("sasl.jaas.config"));
        // The leaking lines are shown with the secrets masked, so a failure does not print them either.
        List<String> leaks = lines.stream()
                .filter(l -> secrets.stream().anyMatch(l::contains))
                .map(l -> {
                    String masked = l;
                    for (String secret : secrets) {
                        masked = masked.replace(secret, "****");
                    }
                    return masked;
                })
                .toList();
        assertThat(leaks).as("log lines carrying a password").isEmpty();
    }

    private static final Pattern PASSWORD = Pattern.compile("password=\"([^\"]+)\"");

    private static void assertDeniedWrite(String bootstrap, Map<String, String> overrides, String topic) {
        Map<String, Object> p = new HashMap<>(overrides);
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 15_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>(topic, new byte[] {1}))
                            .get())
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(TopicAuthorizationException.class);
        }
    }
}
