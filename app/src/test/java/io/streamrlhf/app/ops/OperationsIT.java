package io.streamrlhf.app.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamrlhf.app.pipeline.Component;
import io.streamrlhf.app.pipeline.Pipeline;
import io.streamrlhf.app.pipeline.PipelineSettings;
import io.streamrlhf.avro.KtoExample;
import io.streamrlhf.config.Settings;
import io.streamrlhf.localstack.junit.EmbeddedKafkaExtension;
import io.streamrlhf.schemas.topic.TopicLayout;
import io.streamrlhf.schemas.topic.TopicProvisioner;
import io.streamrlhf.schemas.topic.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Supervision, health and metrics of real components on the embedded broker: streams, the trainer (a tiny model),
 * the sampler with its prompt source, the gateway and the dashboard in one supervised pipeline, as {@code run}
 * starts them. The trainer is fenced by a second producer with its transactional id and must come back on its
 * own; {@code /metrics} is scraped and parsed, and the counters this project claims must exist and move; the
 * alert rules of {@code docker/alerts.yml} must name only metrics the scrape served.
 */
class OperationsIT {

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    private static final String API_KEY = "operations-it-key-0123456789abcdefghijkl";
    private static final String TRANSACTIONAL_ID = "ops-it-trainer-tx";
    private static final String SAMPLER_TRANSACTIONAL_ID = "ops-it-sampler-tx";

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json = new ObjectMapper();

    @TempDir
    Path dataDir;

    private Map<String, String> props() {
        Settings settings = Settings.of(Map.ofEntries(
                Map.entry("ops.port", "0"),
                Map.entry("dashboard.port", "0"),
                Map.entry("gateway.port", "0"),
                Map.entry("gateway.api.keys", API_KEY),
                Map.entry("gateway.response.id.check", "off"),
                Map.entry("gateway.policy.version.check", "off"),
                Map.entry("monitor.http.port", "0"),
                Map.entry("streams.application.id", "ops-it"),
                Map.entry("streams.state.store", "IN_MEMORY"),
                Map.entry("supervisor.backoff.initial", "PT0.2S"),
                Map.entry("supervisor.backoff.max", "PT1S"),
                Map.entry("trainer.transactional.id", TRANSACTIONAL_ID),
                Map.entry("sampler.transactional.id", SAMPLER_TRANSACTIONAL_ID),
                Map.entry("trainer.model.layers", "1"),
                Map.entry("trainer.model.width", "32"),
                Map.entry("trainer.model.heads", "2"),
                Map.entry("trainer.model.context", "64"),
                Map.entry("trainer.kto.batch.size", "4"),
                Map.entry("trainer.publish.every.steps", "2"),
                Map.entry("trainer.publish.every", "PT1S"),
                Map.entry("trainer.poll.timeout", "PT0.1S"),
                Map.entry("sampler.max.tokens", "8"),
                Map.entry("prompts.rate.per.second", "2")));
        return PipelineSettings.resolve(settings, KAFKA.bootstrapServers(), KAFKA.schemaRegistryUrl(), dataDir);
    }

    private HttpResponse<String> get(URI uri) throws Exception {
        return http.send(
                HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aFencedTrainerIsRestartedAndTheScrapedCountersExistAndMove() throws Exception {
        Map<String, String> props = props();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()))) {
            new TopicProvisioner(admin).ensure(TopicLayout.specsFromProperties(props));
        }
        try (Pipeline pipeline = new Pipeline(props, KAFKA.schemaRegistryClient())
                        .start(EnumSet.of(
                                Component.STREAMS,
                                Component.TRAINER,
                                Component.SAMPLER,
                                Component.PROMPTS,
                                Component.GATEWAY,
                                Component.DASHBOARD));
                KafkaProducer<byte[], byte[]> plain = producer(Map.of())) {
            URI ops = URI.create("http://127.0.0.1:" + pipeline.opsPort().orElseThrow());
            Topics topics = pipeline.topics();

            // given every component ready: streams RUNNING, the trainer at version 0, the sampler serving it
            await().atMost(Duration.ofSeconds(180))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> get(ops.resolve("/health/ready")).statusCode() == 200);
            JsonNode ready = json.readTree(get(ops.resolve("/health/ready")).body());
            assertThat(ready.get("status").asText()).isEqualTo("UP");
            Set<String> states = new TreeSet<>();
            ready.get("components")
                    .forEach(c -> states.add(
                            c.get("component").asText() + "=" + c.get("state").asText()));
            assertThat(states).contains("streams=RUNNING", "trainer=RUNNING", "sampler=SERVING", "gateway=RUNNING");
            int streamsMonitor = pipeline.streams().orElseThrow().monitorPort().orElseThrow();
            HttpResponse<String> monitorHealth = get(URI.create("http://127.0.0.1:" + streamsMonitor + "/health"));
            assertThat(monitorHealth.statusCode()).isEqualTo(200);
            assertThat(monitorHealth.body()).isEqualTo("RUNNING");

            // when a second producer with the trainer's transactional id fences it, and examples make it publish
            try (KafkaProducer<byte[], byte[]> zombie = producer(Map.of(
                    ProducerConfig.TRANSACTIONAL_ID_CONFIG,
                    TRANSACTIONAL_ID,
                    ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                    true))) {
                zombie.initTransactions();
            }
            for (int i = 0; i < 8; i++) {
                KtoExample example = kto("ops-" + i, i);
                plain.send(new ProducerRecord<>(
                                topics.ktoExamples().name(),
                                null,
                                topics.ktoExamples()
                                        .valueSerde()
                                        .serializer()
                                        .serialize(topics.ktoExamples().name(), example)))
                        .get(30, TimeUnit.SECONDS);
            }

            // then the fenced trainer fails, its supervisor starts a fresh one, which publishes the examples
            await().atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> report(pipeline, "trainer").restarts() >= 1
                            && report(pipeline, "trainer").ready()
                            && pipeline.trainer()
                                    .map(t -> t.currentVersion() >= 1)
                                    .orElse(false));
            assertThat(report(pipeline, "trainer").lastError()).contains("Fenced");

            // and when the sampler's producer is fenced too, its thread dies on the next rollout and a fresh
            // sampler serves again
            try (KafkaProducer<byte[], byte[]> zombie = producer(Map.of(
                    ProducerConfig.TRANSACTIONAL_ID_CONFIG,
                    SAMPLER_TRANSACTIONAL_ID,
                    ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                    true))) {
                zombie.initTransactions();
            }
            await().atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> report(pipeline, "sampler").restarts() >= 1
                            && report(pipeline, "sampler").ready());
            assertThat(report(pipeline, "sampler").lastError()).contains("Fenced");

            // and the gateway answers, counted per status; a record nobody can read becomes a dead letter
            assertThat(post(pipeline, API_KEY)).isEqualTo(202);
            assertThat(post(pipeline, "not-the-key")).isEqualTo(401);
            plain.send(new ProducerRecord<>(topics.feedback().name(), new byte[] {1}, new byte[] {0, 0, 0, 0, 9}))
                    .get(30, TimeUnit.SECONDS);

            // then /metrics shows every counter this project documents, moved
            await().atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> {
                        HttpResponse<String> scrape = get(ops.resolve("/metrics"));
                        assertThat(scrape.statusCode()).isEqualTo(200);
                        PrometheusText m = PrometheusText.parse(scrape.body());
                        assertThat(m.value("streamrlhf_trainer_steps_total"))
                                .hasValueSatisfying(v -> assertThat(v).isGreaterThanOrEqualTo(2));
                        assertThat(m.value("streamrlhf_trainer_examples_absorbed_total"))
                                .hasValueSatisfying(v -> assertThat(v).isGreaterThanOrEqualTo(8));
                        assertThat(m.value("streamrlhf_trainer_versions_published_total"))
                                .hasValueSatisfying(v -> assertThat(v).isGreaterThanOrEqualTo(2));
                        assertThat(m.value("streamrlhf_trainer_version"))
                                .hasValueSatisfying(v -> assertThat(v).isGreaterThanOrEqualTo(1));
                        assertThat(m.value("streamrlhf_trainer_loss", Map.of("source", "kto")))
                                .hasValueSatisfying(v -> assertThat(v).isFinite());
                        assertThat(m.value("streamrlhf_trainer_last_version_timestamp_seconds"))
                                .hasValueSatisfying(v -> assertThat(v)
                                        .isGreaterThan(
                                                Instant.now().minusSeconds(600).getEpochSecond()));
                        assertThat(m.value("streamrlhf_component_restarts_total", Map.of("component", "trainer")))
                                .hasValueSatisfying(v -> assertThat(v).isGreaterThanOrEqualTo(1));
                        assertThat(m.value("streamrlhf_component_restarts_total", Map.of("component", "sampler")))
                                .hasValueSatisfying(v -> assertThat(v).isGreaterThanOrEqualTo(1));
                        assertThat(m.value("streamrlhf_component_ready", Map.of("component", "streams")))
                                .hasValue(1.0);
                        assertThat(m.value("streamrlhf_component_live", Map.of("component", "trainer")))
                                .hasValue(1.0);
                        assertThat(m.value("streamrlhf_sampler_rollouts_total"))
                                .hasValueSatisfying(v -> assertThat(v).isGreaterThan(0));
                        assertThat(m.value("streamrlhf_sampler_version"))
                                .hasValueSatisfying(v -> assertThat(v).isGreaterThanOrEqualTo(0));
                        assertThat(m.value("streamrlhf_gateway_requests_total", Map.of("status", "202")))
                                .hasValueSatisfying(v -> assertThat(v).isGreaterThanOrEqualTo(1));
                        assertThat(m.value("streamrlhf_gateway_requests_total", Map.of("status", "401")))
                                .hasValueSatisfying(v -> assertThat(v).isGreaterThanOrEqualTo(1));
                        // the slow-client, connection-cap and acknowledgement-timeout counters are served too
                        for (String counter : List.of(
                                "streamrlhf_gateway_slow_clients_closed_total",
                                "streamrlhf_gateway_connections_refused_total",
                                "streamrlhf_gateway_requests_timed_out_total")) {
                            assertThat(m.value(counter))
                                    .as(counter)
                                    .hasValueSatisfying(v -> assertThat(v).isGreaterThanOrEqualTo(0));
                        }
                        assertThat(m.value(
                                        "streamrlhf_dead_letters_total",
                                        Map.of("topic", topics.feedback().name())))
                                .hasValueSatisfying(v -> assertThat(v).isGreaterThanOrEqualTo(1));
                        assertThat(m.value(
                                        "kafka_consumer_fetch_manager_records_lag_max", Map.of("component", "trainer")))
                                .isPresent();
                        assertThat(m.value(
                                        "kafka_consumer_fetch_manager_records_consumed_total",
                                        Map.of("component", "sampler")))
                                .hasValueSatisfying(v -> assertThat(v).isGreaterThan(0));
                        assertThat(m.names()).anyMatch(n -> n.startsWith("kafka_stream_"));
                        assertThat(m.value("jvm_memory_used_bytes")).isPresent();

                        // and every alert rule reads metrics this scrape served
                        DeploymentFiles.alertExpressions()
                                .forEach((alert, expr) -> assertThat(m.names())
                                        .as(alert + ": " + expr)
                                        .containsAll(DeploymentFiles.metricNames(expr)));
                    });
        }
    }

    @Test
    void streamsInErrorAreRestartedAndAfterMaxConsecutiveFailuresTheSupervisorGivesUp() throws Exception {
        // given streams alone, reading a feedback topic of their own, with metadata refreshed often so that a
        // deleted source topic is noticed at once
        Map<String, String> props = new java.util.HashMap<>(props());
        props.put("topic.feedback", "ops-it-feedback-deleted");
        props.put("streams.application.id", "ops-it-error");
        // Dynamic membership: a static member rejoining with its old instance id is handed its cached assignment,
        // which still carries the missing-topic error, without a rebalance. A client in ERROR cannot leave the
        // group, so each restart waits out the failed member's session: keep it short.
        props.put("streams.session.timeout", "PT6S");
        props.put("streams.kafka.metadata.max.age.ms", "500");
        // Enough backoff before giving up (2 + 4 + 5 + 5 ... s) for the topic to be created again in between.
        props.put("supervisor.backoff.initial", "PT2S");
        props.put("supervisor.backoff.max", "PT5S");
        props.put("supervisor.max.failures", "10");
        props.put("supervisor.reset.after", "PT10M");
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()))) {
            TopicProvisioner provisioner = new TopicProvisioner(admin);
            provisioner.ensure(TopicLayout.specsFromProperties(props));
            java.util.List<String> gaveUp = new java.util.concurrent.CopyOnWriteArrayList<>();
            try (Pipeline pipeline = new Pipeline(props, KAFKA.schemaRegistryClient())
                    .onGiveUp((component, failures, cause) -> gaveUp.add(component + " after " + failures))
                    .start(EnumSet.of(Component.STREAMS))) {
                URI ops = URI.create("http://127.0.0.1:" + pipeline.opsPort().orElseThrow());
                await().atMost(Duration.ofSeconds(120))
                        .until(() -> get(ops.resolve("/health/ready")).statusCode() == 200);

                // when a source topic is deleted, Kafka Streams fails (MissingSourceTopicException, ERROR)
                admin.deleteTopics(java.util.List.of("ops-it-feedback-deleted"))
                        .all()
                        .get(30, TimeUnit.SECONDS);

                // then the supervisor restarts it, and readiness says 503 while it cannot run
                await().atMost(Duration.ofSeconds(120))
                        .until(() -> report(pipeline, "streams").restarts() >= 1);
                assertThat(report(pipeline, "streams").lastError()).isNotEmpty();
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> get(ops.resolve("/health/ready")).statusCode() == 503);
                assertThat(get(ops.resolve("/health/live")).statusCode()).isEqualTo(200);

                // and, the topic being back, a restarted client runs again (the broker lists a deleted topic for
                // a moment, and provisioning skips a listed topic: wait until it is gone, then provision until ready)
                await().atMost(Duration.ofSeconds(60))
                        .until(() -> !admin.listTopics().names().get().contains("ops-it-feedback-deleted"));
                await().atMost(Duration.ofSeconds(120))
                        .pollInterval(Duration.ofSeconds(1))
                        .ignoreExceptions()
                        .until(() -> {
                            provisioner.ensure(TopicLayout.specsFromProperties(props));
                            return get(ops.resolve("/health/ready")).statusCode() == 200;
                        });
                assertThat(gaveUp).isEmpty();

                // when it is deleted for good, the failures in a row reach supervisor.max.failures
                admin.deleteTopics(java.util.List.of("ops-it-feedback-deleted"))
                        .all()
                        .get(30, TimeUnit.SECONDS);

                // then the supervisor gives up once: the process would exit, and liveness says 503
                await().atMost(Duration.ofSeconds(180)).until(() -> !gaveUp.isEmpty());
                assertThat(gaveUp).containsExactly("streams after 10");
                assertThat(report(pipeline, "streams").status()).isEqualTo(Supervisor.Status.GAVE_UP);
                HttpResponse<String> live = get(ops.resolve("/health/live"));
                assertThat(live.statusCode()).isEqualTo(503);
                assertThat(json.readTree(live.body())
                                .get("components")
                                .get(0)
                                .get("status")
                                .asText())
                        .isEqualTo("GAVE_UP");
            }
        }
    }

    private static Supervisor.Report report(Pipeline pipeline, String component) {
        return pipeline.reports().stream()
                .filter(r -> r.component().equals(component))
                .findFirst()
                .orElseThrow();
    }

    private int post(Pipeline pipeline, String key) throws Exception {
        String body = "{\"responseId\":\"ops-r1\",\"promptId\":\"ops-p1\",\"prompt\":\"What is 2+2?\","
                + "\"completion\":\"4\"}";
        HttpRequest request = HttpRequest.newBuilder(
                        pipeline.gateway().orElseThrow().baseUri().resolve("/v1/responses"))
                .header("Content-Type", "application/json")
                .header("X-API-Key", key)
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    private static KafkaProducer<byte[], byte[]> producer(Map<String, Object> extra) {
        Map<String, Object> p = new java.util.HashMap<>(extra);
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** A KTO example labelled desirable for even {@code i}. */
    private static KtoExample kto(String id, int i) {
        Instant now = Instant.now();
        return KtoExample.newBuilder()
                .setExampleId(id)
                .setResponseId("r" + id)
                .setPrompt("What is " + i + "+1?")
                .setCompletion(i % 2 == 0 ? "" + (i + 1) : "" + i)
                .setLabel(i % 2 == 0)
                .setPolicyVersion(0)
                .setResponseTime(now)
                .setFeedbackTime(now)
                .build();
    }
}
