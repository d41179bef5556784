package io.streamrlhf.app.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import io.streamrlhf.avro.CanaryDecision;
import io.streamrlhf.avro.CanaryEvidence;
import io.streamrlhf.avro.DecisionOutcome;
import io.streamrlhf.localstack.junit.EmbeddedKafkaExtension;
import io.streamrlhf.schemas.registry.InMemorySchemaRegistry;
import io.streamrlhf.schemas.topic.TopicNames;
import io.streamrlhf.schemas.topic.Topics;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * End to end in a real browser: the dashboard on an embedded broker, its page open in headless Chromium, a
 * policy version published while the page is open, and the page showing it without a reload; then a
 * screenshot into {@code target/}. The canary panel: decided versions with their evidence, and the running canary's
 * live statistics, updated by a newer publication on the evidence topic while the page is open.
 */
class DashboardBrowserIT {

    private static final Path SCREENSHOT = Path.of("target", "dashboard-it", "dashboard.png");
    private static final Path CANARY_SCREENSHOT = Path.of("target", "dashboard-it", "canary-dashboard.png");

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    @Test
    void showsAVersionPublishedWhileThePageIsOpenAndTakesAScreenshot() throws Exception {
        // Skipped on a developer's machine without Chromium; CI installs it, so there a missing browser fails.
        String missing = "Chromium is not installed at " + HeadlessChromium.BINARY + ": run .ci/run (it installs "
                + "Debian's chromium) or apt-get install chromium";
        if (!HeadlessChromium.installed() && "true".equals(System.getenv("CI"))) {
            fail(missing);
        }
        assumeTrue(HeadlessChromium.installed(), missing);
        // Given a stack with a few versions, trainer steps, dead letters, traffic and a version monitor
        InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        TopicNames names = TopicNames.defaults().withPrefix("it-" + UUID.randomUUID() + ".");
        Topics topics = new Topics(names, registry);
        TestKafka.createTopics(KAFKA.bootstrapServers(), topics);
        Instant start = Instant.now().minus(Duration.ofMinutes(26));
        AtomicInteger monitorVersions = new AtomicInteger(5);
        HttpServer monitor = stubMonitor(start, monitorVersions);
        ScheduledExecutorService traffic = Executors.newSingleThreadScheduledExecutor();
        try (KafkaProducer<byte[], byte[]> producer = TestKafka.producer(KAFKA.bootstrapServers())) {
            for (int v = 0; v < 5; v++) {
                TestKafka.send(
                        producer,
                        topics.policyVersions(),
                        Records.MODEL,
                        Records.version(v, start.plus(Duration.ofMinutes(4L * v)), v == 0 ? 0 : 280 + 31L * v));
            }
            Random random = new Random(3);
            for (int step = 1; step <= 400; step++) {
                TestKafka.send(
                        producer,
                        topics.trainerMetrics(),
                        Records.MODEL,
                        Records.step(
                                step,
                                step / 100,
                                start.plusSeconds(3L * step),
                                SampleStack.trainerMetrics(step, random)));
            }
            writeCanaryHistory(producer, topics, start);
            for (int i = 0; i < 6; i++) {
                TestKafka.send(
                        producer,
                        topics.deadLetters(),
                        new byte[0],
                        Records.deadLetter(
                                names.feedback(),
                                40 + i,
                                "UNKNOWN_RESPONSE",
                                "feedback for unknown response id r-" + i,
                                Instant.now().minusSeconds(70L * i)));
            }
            traffic.scheduleAtFixedRate(
                    () -> {
                        for (int i = 0; i < 30; i++) {
                            producer.send(new ProducerRecord<>(names.responses(), new byte[] {1}));
                            if (i % 2 == 0) {
                                producer.send(new ProducerRecord<>(names.feedback(), new byte[] {1}));
                            }
                        }
                    },
                    0,
                    250,
                    TimeUnit.MILLISECONDS);
            String group = "it-trainer-" + UUID.randomUUID();
            TestKafka.commit(KAFKA.bootstrapServers(), group, new TopicPartition(names.responses(), 0), 5);

            DashboardConfig config = DashboardConfig.local(KAFKA.bootstrapServers(), registry, names)
                    .withMonitorUrl(URI.create(
                            "http://127.0.0.1:" + monitor.getAddress().getPort()))
                    .withIntervals(Duration.ofMillis(500), Duration.ofSeconds(2));
            try (Dashboard dashboard = new Dashboard(config).start();
                    HeadlessChromium chromium = HeadlessChromium.start()) {
                chromium.viewport(1440, 1000);
                chromium.navigate(dashboard.url());
                awaitPage(chromium, "document.getElementById('version-4') !== null");
                chromium.evaluate("window.loadedOnce = 'still the same page'");

                // When a new version is published while the page is open
                TestKafka.send(
                        producer, topics.policyVersions(), Records.MODEL, Records.version(5, Instant.now(), 512));
                monitorVersions.set(6);

                // Then the page shows it, live, without a reload
                awaitPage(chromium, "document.getElementById('version-5') !== null");
                assertThat(chromium.evaluate("window.loadedOnce").asText()).isEqualTo("still the same page");
                assertThat(chromium.evaluate("document.querySelector('#version-5 .v').textContent")
                                .asText())
                        .isEqualTo("v5");
                assertThat(chromium.evaluate("document.getElementById('conn-text').textContent")
                                .asText())
                        .isEqualTo("Live");
                awaitPage(
                        chromium,
                        "document.querySelectorAll('#chart-rates path').length > 0"
                                + " && document.querySelectorAll('#chart-lag path').length > 0"
                                + " && document.querySelectorAll('#chart-thumbs-version polygon').length > 0");
                assertThat(dashboard.snapshot().activity().lag()).containsKey(group);

                assertThat(chromium.pageErrors())
                        .as("errors in the page's scripts")
                        .isEmpty();
                chromium.screenshot(SCREENSHOT);

                // And the canary panel shows the promoted and the rolled-back version, the branch in its own lane
                awaitPage(
                        chromium,
                        "document.querySelector('#canary-lanes .cv.rolled-back') !== null"
                                + " && document.querySelectorAll('#canary-lanes .lane').length === 2");
                assertThat(chromium.evaluate("document.querySelector('#canary-lanes .cv.rolled-back .v').textContent")
                                .asText())
                        .isEqualTo("v1");
                assertThat(chromium.evaluate("document.querySelectorAll('#canary-lanes .cv.PROMOTED').length")
                                .asInt())
                        .isEqualTo(4);
                assertThat(chromium.evaluate(
                                        "document.querySelector('#canary-decisions li.rolled-back .reason').textContent")
                                .asText())
                        .contains("thumbs-up rate lower");

                // And the running canary v3 shows its live statistics from the evidence topic, and follows a newer
                // publication over SSE without a reload
                awaitPage(chromium, "document.querySelector('#canary-lanes .cv.live .arms') !== null");
                assertThat(chromium.evaluate("document.querySelector('#canary-lanes .cv.live .v').textContent")
                                .asText())
                        .isEqualTo("v3");
                assertThat(chromium.evaluate("document.querySelector('#canary-lanes .cv.live .arms').textContent")
                                .asText())
                        .contains("212 / 205 votes");
                TestKafka.send(
                        producer,
                        topics.canaryEvidence(),
                        Records.MODEL,
                        runningCanary(start.plusSeconds(1300), Instant.now(), 388, 377, -0.0912, 0.0797));
                awaitPage(
                        chromium,
                        "document.querySelector('#canary-lanes .cv.live .arms').textContent.includes('388 / 377')");
                assertThat(chromium.evaluate("document.querySelector('#canary-lanes .cv.live .cm .stat').textContent")
                                .asText())
                        .contains("[-0.091, +0.080]");
                assertThat(chromium.evaluate("window.loadedOnce").asText()).isEqualTo("still the same page");
                chromium.screenshot(CANARY_SCREENSHOT, "card-canary");
            } finally {
                traffic.shutdownNow();
                traffic.awaitTermination(10, TimeUnit.SECONDS);
            }
        } finally {
            traffic.shutdownNow();
            monitor.stop(0);
        }
        assertNonTrivialPng(SCREENSHOT);
        assertThat(Files.size(CANARY_SCREENSHOT)).as("canary screenshot size").isGreaterThan(20_000);
        assertThat(ImageIO.read(CANARY_SCREENSHOT.toFile()).getWidth()).isGreaterThan(1000);
        // And closing the dashboard left none of its threads behind (HTTP, event streams, consumer, pollers).
        await("dashboard threads to end")
                .atMost(Duration.ofSeconds(20))
                .until(() -> Thread.getAllStackTraces().keySet().stream()
                        .noneMatch(t -> t.getName().startsWith("dashboard-")
                                || t.getName().contains("streamrlhf-dashboard")));
    }

    /**
     * A model's canaries (v1 rolled back on thumbs, v2 promoted, v3 running) and a branch {@code <model>@strict}
     * with its own promoted version, written as the controller writes them.
     */
    private static void writeCanaryHistory(KafkaProducer<byte[], byte[]> producer, Topics topics, Instant start)
            throws Exception {
        String model = Records.MODEL;
        String branch = Records.MODEL + "@strict";
        List<CanaryDecision> decisions = List.of(
                Records.decision(model, 0, null, DecisionOutcome.PROMOTED, "first version", start, List.of()),
                Records.decision(model, 1, 0L, DecisionOutcome.STARTED, "canary", start.plusSeconds(240), List.of()),
                Records.decision(
                        model,
                        1,
                        0L,
                        DecisionOutcome.ROLLED_BACK,
                        "thumbs-up rate lower: difference at most -0.3412, below -0.1000",
                        start.plusSeconds(300),
                        List.of(
                                Records.evidence("thumbs-up", 0, 104, 55, 101, -0.6988, -0.3412, -0.10, -0.10, "HARM"),
                                Records.evidence(
                                        "judge:format", 11, 130, 12, 128, -0.1421, 0.1275, 0.0, 0.10, "OPEN"))),
                Records.decision(model, 2, 0L, DecisionOutcome.STARTED, "canary", start.plusSeconds(480), List.of()),
                Records.decision(
                        model,
                        2,
                        0L,
                        DecisionOutcome.PROMOTED,
                        "every metric shown safe: thumbs-up not lower by more than 0.1, no judge failing more by 0.1"
                                + " or more",
                        start.plusSeconds(700),
                        List.of(
                                Records.evidence(
                                        "thumbs-up", 702, 1264, 650, 1251, -0.0412, 0.1238, -0.10, -0.10, "SAFE"),
                                Records.evidence(
                                        "judge:format", 120, 1610, 131, 1598, -0.0508, 0.0367, 0.0, 0.10, "SAFE"))),
                Records.decision(model, 3, 2L, DecisionOutcome.STARTED, "canary", start.plusSeconds(960), List.of()),
                Records.decision(branch, 0, null, DecisionOutcome.PROMOTED, "first version", start, List.of()),
                Records.decision(branch, 1, 0L, DecisionOutcome.STARTED, "canary", start.plusSeconds(600), List.of()),
                Records.decision(
                        branch,
                        1,
                        0L,
                        DecisionOutcome.PROMOTED,
                        "every metric shown safe",
                        start.plusSeconds(900),
                        List.of(Records.evidence(
                                "thumbs-up", 690, 1190, 655, 1203, -0.0331, 0.1302, -0.10, -0.10, "SAFE"))));
        for (CanaryDecision d : decisions) {
            TestKafka.send(producer, topics.policyDecisions(), d.getModelId().toString(), d);
        }
        // v3 is running: the controller has published its statistics so far.
        TestKafka.send(
                producer,
                topics.canaryEvidence(),
                model,
                runningCanary(start.plusSeconds(1200), Instant.now(), 212, 205, -0.1490, 0.1133));
    }

    /** The running canary v3's statistics with {@code canary} and {@code parent} votes, thumbs up about half. */
    private static CanaryEvidence runningCanary(
            Instant observed, Instant published, long canary, long parent, double low, double high) {
        return Records.live(
                Records.MODEL,
                3,
                2,
                observed,
                published,
                List.of(
                        Records.evidence(
                                "thumbs-up",
                                canary / 2 + 3,
                                canary,
                                parent / 2,
                                parent,
                                low,
                                high,
                                -0.10,
                                -0.10,
                                "OPEN"),
                        Records.evidence(
                                "judge:format",
                                canary / 12,
                                canary + 20,
                                parent / 13,
                                parent + 18,
                                -0.0611,
                                0.0702,
                                0.0,
                                0.10,
                                "OPEN")));
    }

    private static void awaitPage(HeadlessChromium chromium, String condition) {
        await(condition)
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> chromium.evaluate(
                                "(() => { try { return " + condition + "; } catch (e) { return false; } })()")
                        .asBoolean());
    }

    private static void assertNonTrivialPng(Path file) throws IOException {
        assertThat(file).exists();
        assertThat(Files.size(file)).as("screenshot size").isGreaterThan(40_000);
        BufferedImage image = ImageIO.read(file.toFile());
        assertThat(image).as("a decodable PNG").isNotNull();
        assertThat(image.getWidth()).isEqualTo(1440);
        assertThat(image.getHeight()).isGreaterThanOrEqualTo(1000);
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < image.getHeight(); y += 7) {
            for (int x = 0; x < image.getWidth(); x += 7) {
                colours.add(image.getRGB(x, y));
            }
        }
        assertThat(colours.size()).as("distinct colours in the screenshot").isGreaterThan(50);
    }

    private static HttpServer stubMonitor(Instant start, AtomicInteger versions) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/monitor/", exchange -> {
            String doc = SampleStack.monitorDocuments(start, versions.get())
                    .get(exchange.getRequestURI().getPath());
            if (doc == null) {
                exchange.sendResponseHeaders(404, -1);
                exchange.close();
                return;
            }
            byte[] body = doc.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (exchange) {
                exchange.getResponseBody().write(body);
            }
        });
        server.start();
        return server;
    }
}
