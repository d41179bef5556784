package io.streamrlhf.app.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamrlhf.app.pipeline.Component;
import io.streamrlhf.app.pipeline.Pipeline;
import io.streamrlhf.app.pipeline.PipelineSettings;
import io.streamrlhf.config.Settings;
import io.streamrlhf.localstack.junit.EmbeddedKafkaExtension;
import io.streamrlhf.schemas.topic.TopicLayout;
import io.streamrlhf.schemas.topic.TopicProvisioner;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A component with no failure signal of its own until now fails after start and is seen failing and restarted: the
 * simulated users' consumer is fenced by a second member with its static group instance id, {@code /health/ready}
 * answers 503 naming it, and once the intruder is gone the supervisor's fresh incarnation makes it 200 again.
 */
class ServiceFailureIT {

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    private static final String GROUP = "service-failure-it-users";
    private static final String INSTANCE = "service-failure-it-users-0";

    @TempDir
    Path dataDir;

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void simulatedUsersFencedAfterStartAreReportedNotReadyThenRestarted() throws Exception {
        // given
        Map<String, String> props = PipelineSettings.resolve(
                Settings.of(Map.of(
                        "ops.port", "0",
                        "users.group.id", GROUP,
                        "users.kafka.group.instance.id", INSTANCE,
                        "supervisor.backoff.initial", "PT2S",
                        "supervisor.backoff.max", "PT2S")),
                KAFKA.bootstrapServers(),
                KAFKA.schemaRegistryUrl(),
                dataDir);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()))) {
            new TopicProvisioner(admin).ensure(TopicLayout.specsFromProperties(props));
        }
        try (Pipeline pipeline = new Pipeline(props, KAFKA.schemaRegistryClient()).start(EnumSet.of(Component.USERS))) {
            URI ready = URI.create("http://127.0.0.1:" + pipeline.opsPort().orElseThrow() + "/health/ready");
            await().atMost(Duration.ofSeconds(60)).until(() -> status(ready) == 200);

            // when: another member takes the users' static instance id, fencing them (the two fence each other in
            // turn, so a fenced intruder is replaced by a new one until the users are seen failing)
            String responses = props.getOrDefault("topic.responses", "rlhf.responses");
            AtomicReference<KafkaConsumer<byte[], byte[]>> intruder = new AtomicReference<>(intruder(responses));
            try {
                // then: not ready, naming the users (the users' thread ends with the fencing error, which is what
                // this test wants: Awaitility must not fail on it)
                await().dontCatchUncaughtExceptions()
                        .atMost(Duration.ofSeconds(60))
                        .until(() -> {
                            try {
                                intruder.get().poll(Duration.ofMillis(100));
                            } catch (KafkaException e) {
                                closeQuietly(intruder.getAndSet(intruder(responses)));
                            }
                            return status(ready) == 503;
                        });
                JsonNode body = json.readTree(get(ready).body());
                assertThat(body.toString()).contains("users");
            } finally {
                closeQuietly(intruder.get());
            }

            // and then: restarted, ready again
            await().dontCatchUncaughtExceptions().atMost(Duration.ofSeconds(90)).until(() -> status(ready) == 200);
        }
    }

    private static KafkaConsumer<byte[], byte[]> intruder(String topic) {
        KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        KAFKA.bootstrapServers(),
                        ConsumerConfig.GROUP_ID_CONFIG,
                        GROUP,
                        ConsumerConfig.GROUP_INSTANCE_ID_CONFIG,
                        INSTANCE,
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                        false),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        c.subscribe(List.of(topic));
        return c;
    }

    /** A fenced consumer may throw on close; the test only needs it gone. */
    private static void closeQuietly(KafkaConsumer<byte[], byte[]> c) {
        try {
            c.close(Duration.ofSeconds(5));
        } catch (KafkaException e) {
            // fenced: nothing to hand back
        }
    }

    private int status(URI uri) throws Exception {
        return get(uri).statusCode();
    }

    private HttpResponse<String> get(URI uri) throws Exception {
        return http.send(
                HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
