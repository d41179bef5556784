package io.streamrlhf.app.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import io.streamrlhf.app.pipeline.DemoStack;
import io.streamrlhf.avro.PolicyVersion;
import io.streamrlhf.config.Settings;
import io.streamrlhf.localstack.broker.BrokerSecurity;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code demo --secure=mtls} end to end: the whole loop on the embedded broker whose only client listener requires
 * a client certificate, every component presenting its own ({@code CN} = its principal) with only the ACLs of
 * {@link KafkaAcls}. The policy learns, a component's certificate does not open another's topics, and a client
 * without a certificate gets no connection.
 */
class MtlsDemoIT {

    @Test
    void loopLearnsOnMutualTlsAndEachCertificateIsConfinedToItsComponentsTopics(@TempDir Path dataDir)
            throws Exception {
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
                Map.entry("streams.application.id", "mtls-demo-it")));
        StringWriter progress = new StringWriter();
        try (DemoStack demo = DemoStack.start(
                settings,
                new PrintWriter(progress, true),
                Optional.of(BrokerSecurity.Mode.MTLS),
                (component, failures, cause) -> {})) {
            // Given the client settings file: a certificate per component, no shared one, no SASL credential
            Path file = demo.clientFile().orElseThrow();
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                    .isEqualTo("rw-------");
            Map<String, String> client = Settings.load(file, Map.of(), Map.of()).asMap();
            assertThat(client)
                    .containsEntry("kafka.security.protocol", "SSL")
                    .doesNotContainKey("kafka.ssl.keystore.location")
                    .doesNotContainKey("gateway.kafka.sasl.jaas.config");
            assertThat(Settings.kafkaOverrides(client, "gateway").get("ssl.keystore.location"))
                    .endsWith("client-streamrlhf-gateway.keystore.p12");
            String bootstrap = client.get("bootstrap.servers");
            String versions = demo.pipeline().topics().policyVersions().name();
            String ktoExamples = demo.pipeline().topics().names().ktoExamples();

            // Then the gateway's certificate cannot publish a policy version, nor the sampler's write examples
            assertThat(write(bootstrap, Settings.kafkaOverrides(client, "gateway"), versions))
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(TopicAuthorizationException.class);
            assertThat(write(bootstrap, Settings.kafkaOverrides(client, "sampler"), ktoExamples))
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(TopicAuthorizationException.class);
            // And a client with the truststore but no certificate of its own is refused at the handshake
            Map<String, String> noCertificate = new HashMap<>(Settings.kafkaOverrides(client, "gateway"));
            noCertificate.keySet().removeIf(k -> k.startsWith("ssl.keystore") || k.equals("ssl.key.password"));
            assertThat(write(bootstrap, noCertificate, ktoExamples))
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(SslAuthenticationException.class);

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
        }
    }

    /** What writing one record to {@code topic} with {@code overrides} threw; fails the test if it succeeded. */
    private static Throwable write(String bootstrap, Map<String, String> overrides, String topic) {
        Map<String, Object> p = new HashMap<>(overrides);
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 15_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            return catchThrowable(() ->
                    producer.send(new ProducerRecord<>(topic, new byte[] {1})).get());
        }
    }
}
