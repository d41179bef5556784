package io.streamrlhf.app.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamrlhf.avro.CanaryDecision;
import io.streamrlhf.avro.DecisionOutcome;
import io.streamrlhf.avro.PolicyStatus;
import io.streamrlhf.avro.PolicyVersion;
import io.streamrlhf.config.Settings;
import io.streamrlhf.localstack.junit.EmbeddedKafkaExtension;
import io.streamrlhf.producers.client.ChatFeedbackClient;
import io.streamrlhf.producers.client.ChatResponse;
import io.streamrlhf.producers.config.ClientConfig;
import io.streamrlhf.producers.config.KafkaConnection;
import io.streamrlhf.schemas.topic.TopicLayout;
import io.streamrlhf.schemas.topic.TopicProvisioner;
import io.streamrlhf.schemas.topic.TopicSettings;
import io.streamrlhf.schemas.topic.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A canary on the embedded broker, end to end: the streams application decides, simulated users rate, the gateway
 * routes, and the test plays the chat product (asks {@code GET /v1/policy} which version each user sees, records
 * the response with that version through the client library). Version 1 is degraded on purpose
 * ({@code users.degrade.version=1}: users dislike all its responses) and must be rolled back; version 2, trained
 * from version 1 and published while it runs, must never serve (it descends from a rolled-back version); version 3,
 * which the trainer rebased onto version 0, is healthy and must be promoted. No sampler runs here (no model), so
 * only thumbs are tested ({@code canary.judges=none}); the judges' share of a decision is covered by the seeded
 * simulations in the streams module.
 *
 * <p>Two settings, one broker: each case has topics, application id and users' group of its own.
 *
 * <ul>
 *   <li>{@link Scenario#TEST}: alpha 0.05 (0.025 per arm), tuned at 200 per arm, margin 0.30, minimum 30. The users
 *       approve most responses of a healthy version (at least 0.85 with noise 0.05 and their length tastes) and none
 *       of version 1's. The earlier normal-mixture sequences had a radius of 0.166 at 100 votes, so the difference's
 *       upper end, about -0.85 + 2 r(n) plus four standard deviations of the parent's rate (0.143), fell below -0.30
 *       before 100 votes per arm; the beta-binomial sequences now used are narrower still at rates this far from
 *       1/2, so the bound holds with room to spare. A healthy version is promoted once the interval's width plus the
 *       noise of the difference falls under 0.30, well within the 4,000 responses allowed.
 *   <li>{@link Scenario#DEMO}: the demo's canary settings ({@link DemoDefaults#canary()}: half the traffic, margins
 *       0.10, minimum sample 100, tuned at 1,000) with the demo's switch. Users dislike every response of version
 *       1, so it is rolled back as soon as both arms have the minimum sample of 100 votes; the arm ahead may have a
 *       batch more. Healthy versions are liked about 0.85 of the time or more, where the variance-adaptive
 *       sequences are narrow: the difference's interval is within 0.10 of zero well before 4,000 responses.
 * </ul>
 *
 * <p>Users are routed sticky by id, so the two arms are different users and their rates differ a little by chance,
 * as in any per-user A/B test.
 */
class CanaryRollbackIT {

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    private static final String API_KEY = "canary-it-api-key-0123456789abcdefghij";
    private static final int USERS = 200;

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path dataDir;

    /** Responses recorded so far, over both canaries. */
    private long total;

    /** The settings of each case and the bounds its rollback must meet. */
    enum Scenario {
        TEST(
                "Canary",
                Map.of(
                        "canary.enabled", "true",
                        "canary.share", "0.5",
                        "canary.min.samples", "30",
                        "canary.tuning.samples", "200",
                        "canary.thumbs.margin", "0.30")) {
            @Override
            void checkRollback(CanaryDecision rollback) {
                // within 100 votes per arm
                assertThat(rollback.getCanarySamples()).isBetween(30L, 100L);
                assertThat(rollback.getParentSamples()).isGreaterThanOrEqualTo(30L);
                assertThat(Math.min(rollback.getCanarySamples(), rollback.getParentSamples()))
                        .isLessThanOrEqualTo(100L);
            }
        },
        DEMO("Demo canary settings", DemoDefaults.canary()) {
            @Override
            void checkRollback(CanaryDecision rollback) {
                // at the minimum sample
                assertThat(Math.min(rollback.getCanarySamples(), rollback.getParentSamples()))
                        .isBetween(100L, 200L);
            }
        };

        private final String label;
        private final Map<String, String> canary;

        Scenario(String label, Map<String, String> canary) {
            this.label = label;
            this.canary = canary;
        }

        abstract void checkRollback(CanaryDecision rollback);

        /** Prefix of this case's topics, application id and users' group. */
        String prefix() {
            return "canary-" + name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private Map<String, String> props(Scenario scenario) {
        Map<String, String> own = new java.util.HashMap<>();
        for (io.streamrlhf.config.Setting<?> topic : TopicSettings.ALL) {
            // The schema registry's own log stays shared: it is the embedded registry's, not the pipeline's.
            if (topic.name().startsWith("topic.") && topic != TopicSettings.SCHEMAS) {
                own.put(topic.name(), scenario.prefix() + "." + topic.get(Map.of()));
            }
        }
        own.put("streams.application.id", scenario.prefix());
        own.put("users.group.id", scenario.prefix() + "-users");
        Settings settings = Settings.of(Map.ofEntries(
                        Map.entry("gateway.port", "0"),
                        Map.entry("gateway.api.keys", API_KEY),
                        // The test publishes versions and posts responses of them at once; the gateway's
                        // published-version check has its own tests.
                        Map.entry("gateway.policy.version.check", "off"),
                        Map.entry("gateway.response.id.check", "off"),
                        Map.entry("monitor.http.port", "-1"),
                        Map.entry("ops.port", "-1"),
                        Map.entry("streams.state.store", "IN_MEMORY"),
                        Map.entry("users.count", String.valueOf(USERS)),
                        Map.entry("users.thumbs.rate", "1.0"),
                        Map.entry("users.rate.spread", "0.0"),
                        Map.entry("users.noise", "0.05"),
                        Map.entry("users.preference.rate", "0.0"),
                        Map.entry("users.degrade.version", "1"),
                        Map.entry("canary.judges", "none")))
                .with(own)
                .with(scenario.canary);
        return PipelineSettings.resolve(settings, KAFKA.bootstrapServers(), KAFKA.schemaRegistryUrl(), dataDir);
    }

    @ParameterizedTest
    @EnumSource(Scenario.class)
    void rollsBackTheDegradedVersionWithinBoundedFeedbackSupersedesItsLineAndPromotesTheRebasedOne(Scenario scenario)
            throws Exception {
        Map<String, String> props = props(scenario);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()))) {
            new TopicProvisioner(admin).ensure(TopicLayout.specsFromProperties(props));
        }
        List<CanaryDecision> decisions = new CopyOnWriteArrayList<>();
        try (Pipeline pipeline = new Pipeline(props, KAFKA.schemaRegistryClient())
                        .start(EnumSet.of(Component.STREAMS, Component.USERS, Component.GATEWAY));
                DecisionReader reader = new DecisionReader(pipeline.topics(), decisions);
                KafkaProducer<String, PolicyVersion> versions = versionProducer(pipeline.topics());
                ChatFeedbackClient product = new ChatFeedbackClient(
                        ClientConfig.defaults(KafkaConnection.fromProperties(props)), KAFKA.schemaRegistryClient())) {
            new Thread(reader, "decision-reader").start();
            URI gateway = pipeline.gateway().orElseThrow().baseUri();

            // given version 0 (promoted as the first), the degraded version 1 as its canary, and version 2 trained
            // from version 1 waiting for its turn
            publish(versions, pipeline.topics(), 0, null, null);
            publish(versions, pipeline.topics(), 1, 0L, null);
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> find(decisions, 1, DecisionOutcome.STARTED).isPresent());
            publish(versions, pipeline.topics(), 2, 1L, null);
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> route(gateway, "u0").statusCode() == 200);

            // when users are served as routed, until the canary is decided (at most 2,000 responses)
            java.util.function.LongSupplier seen =
                    () -> pipeline.users().map(u -> u.stats().responsesSeen()).orElse(0L);
            int served = serveUntil(product, gateway, decisions, 1, 2_000, seen);

            // then version 1 is rolled back within the scenario's bound, and everyone is back on version 0
            CanaryDecision rollback = find(decisions, 1, DecisionOutcome.ROLLED_BACK)
                    .orElseThrow(() -> new AssertionError("no rollback after " + served + " responses: " + decisions));
            assertThat(find(decisions, 1, DecisionOutcome.PROMOTED)).isEmpty();
            assertThat(rollback.getParentVersion()).isZero();
            scenario.checkRollback(rollback);
            await().atMost(Duration.ofSeconds(30)).until(() -> versionOf(gateway, "u1") == 0);
            for (int u = 0; u < 20; u++) {
                assertThat(versionOf(gateway, "u" + u)).isZero();
            }
            // and version 2, from the rolled-back line, never starts
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> find(decisions, 2, DecisionOutcome.SUPERSEDED).isPresent());
            assertThat(find(decisions, 2, DecisionOutcome.STARTED)).isEmpty();

            // and version 3, rebased onto version 0 by the trainer, is promoted (at most 4,000 more responses)
            publish(versions, pipeline.topics(), 3, 0L, 1L);
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> find(decisions, 3, DecisionOutcome.STARTED).isPresent());
            serveUntil(product, gateway, decisions, 3, 4_000, seen);
            CanaryDecision promotion = find(decisions, 3, DecisionOutcome.PROMOTED)
                    .orElseThrow(() -> new AssertionError("version 3 not promoted: " + decisions));
            assertThat(promotion.getParentVersion()).isZero();
            System.out.printf(
                    "%s: version 1 rolled back after %d+%d votes (canary+parent), version 3 promoted after %d+%d"
                            + " votes; %d responses served%n",
                    scenario.label,
                    rollback.getCanarySamples(),
                    rollback.getParentSamples(),
                    promotion.getCanarySamples(),
                    promotion.getParentSamples(),
                    total);
            await().atMost(Duration.ofSeconds(30)).until(() -> versionOf(gateway, "u1") == 3);
            // each decision exactly once
            assertThat(decisions).extracting(CanaryDecision::getDecisionId).doesNotHaveDuplicates();
            assertThat(decisions)
                    .extracting(CanaryDecision::getVersion, CanaryDecision::getOutcome)
                    .startsWith(
                            org.assertj.core.groups.Tuple.tuple(0L, DecisionOutcome.PROMOTED),
                            org.assertj.core.groups.Tuple.tuple(1L, DecisionOutcome.STARTED),
                            org.assertj.core.groups.Tuple.tuple(1L, DecisionOutcome.ROLLED_BACK),
                            org.assertj.core.groups.Tuple.tuple(2L, DecisionOutcome.SUPERSEDED),
                            org.assertj.core.groups.Tuple.tuple(3L, DecisionOutcome.STARTED),
                            org.assertj.core.groups.Tuple.tuple(3L, DecisionOutcome.PROMOTED));
        }
    }

    /** Serves users round-robin in batches of 100 until {@code version} is decided; returns responses served. */
    private int serveUntil(
            ChatFeedbackClient product,
            URI gateway,
            List<CanaryDecision> decisions,
            long version,
            int max,
            java.util.function.LongSupplier seenByUsers)
            throws Exception {
        int served = 0;
        while (served < max && !decided(decisions, version)) {
            List<CompletableFuture<String>> writes = new ArrayList<>();
            for (int i = 0; i < 100; i++, served++) {
                total++;
                String user = "u" + (served % USERS);
                long v = versionOf(gateway, user);
                writes.add(product.recordResponse(new ChatResponse(
                        null,
                        null,
                        "p" + served,
                        "Say something kind.",
                        "Thank you for asking, here it is.",
                        "policy",
                        v,
                        user,
                        "chat")));
            }
            CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get();
            // Let the users rate and the streams decide before serving more: the bound is on votes, not on time.
            long target = total;
            await().pollDelay(Duration.ZERO)
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> decided(decisions, version) || seenByUsers.getAsLong() >= target);
        }
        return served;
    }

    private static boolean decided(List<CanaryDecision> decisions, long version) {
        return find(decisions, version, DecisionOutcome.PROMOTED).isPresent()
                || find(decisions, version, DecisionOutcome.ROLLED_BACK).isPresent();
    }

    private static Optional<CanaryDecision> find(List<CanaryDecision> decisions, long version, DecisionOutcome o) {
        return decisions.stream()
                .filter(d -> d.getVersion() == version && d.getOutcome() == o)
                .findFirst();
    }

    private HttpResponse<String> route(URI gateway, String user) throws Exception {
        return http.send(
                HttpRequest.newBuilder(gateway.resolve("/v1/policy?userId=" + user))
                        .header("X-API-Key", API_KEY)
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private long versionOf(URI gateway, String user) throws Exception {
        HttpResponse<String> answer = route(gateway, user);
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        JsonNode body = json.readTree(answer.body());
        return body.get("version").asLong();
    }

    private static KafkaProducer<String, PolicyVersion> versionProducer(Topics topics) {
        return new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()),
                topics.policyVersions().keySerde().serializer(),
                topics.policyVersions().valueSerde().serializer());
    }

    /** Version {@code version} trained from {@code parent}, rebased (dropping {@code rebasedFrom}) when given. */
    private static void publish(
            KafkaProducer<String, PolicyVersion> producer, Topics topics, long version, Long parent, Long rebasedFrom)
            throws Exception {
        PolicyVersion v = PolicyVersion.newBuilder()
                .setModelId("policy")
                .setVersion(version)
                .setParentVersion(parent)
                .setRebasedFrom(rebasedFrom)
                .setRebaseReason(rebasedFrom == null ? "" : "version " + rebasedFrom + " ROLLED_BACK")
                .setCheckpointUri("file:///unused/v" + version)
                .setSha256("0".repeat(64))
                .setCreatedTime(Instant.now())
                .setStatus(version == 0 ? PolicyStatus.WARM_START : PolicyStatus.PUBLISHED)
                .build();
        producer.send(new ProducerRecord<>(topics.policyVersions().name(), "policy", v))
                .get();
    }

    /** Reads committed decisions in the background. */
    private static final class DecisionReader implements Runnable, AutoCloseable {
        private final KafkaConsumer<String, CanaryDecision> consumer;
        private final List<CanaryDecision> sink;
        private volatile boolean running = true;

        DecisionReader(Topics topics, List<CanaryDecision> sink) {
            this.sink = sink;
            this.consumer = topics.policyDecisions().replayingConsumer(KAFKA.bootstrapServers(), Map.of());
        }

        @Override
        public void run() {
            try {
                while (running) {
                    for (ConsumerRecord<String, CanaryDecision> r : consumer.poll(Duration.ofMillis(200))) {
                        sink.add(r.value());
                    }
                }
            } catch (org.apache.kafka.common.errors.WakeupException e) {
                // closing
            } finally {
                consumer.close();
            }
        }

        @Override
        public void close() {
            running = false;
            consumer.wakeup();
        }
    }
}
