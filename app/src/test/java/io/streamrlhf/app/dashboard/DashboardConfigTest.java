package io.streamrlhf.app.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamrlhf.schemas.registry.InMemorySchemaRegistry;
import io.streamrlhf.schemas.topic.TopicNames;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DashboardConfigTest {

    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();

    private DashboardConfig read(Map<String, String> settings) {
        Map<String, String> all = new HashMap<>(settings);
        all.putIfAbsent("bootstrap.servers", "b:9092");
        return DashboardConfig.from(all, registry);
    }

    @Test
    void defaultsWorkOnTheLocalStack() {
        DashboardConfig config = read(Map.of());

        assertThat(config.bindAddress()).isEqualTo("127.0.0.1");
        assertThat(config.port()).isEqualTo(8088);
        assertThat(config.bootstrapServers()).isEqualTo("b:9092");
        assertThat(config.topics()).isEqualTo(TopicNames.defaults());
        assertThat(config.monitorUrl()).contains(URI.create("http://127.0.0.1:7071"));
        assertThat(config.watchesAllGroups()).isTrue();
        assertThat(config.pollInterval()).isEqualTo(Duration.ofSeconds(2));
        assertThat(config.heartbeatInterval()).isEqualTo(Duration.ofSeconds(15));
        assertThat(config.kafkaOverrides()).isEmpty();
    }

    @Test
    void readsEveryDocumentedKey() {
        DashboardConfig config = DashboardConfig.from(
                Map.of(
                        "dashboard.bind", "0.0.0.0",
                        "dashboard.port", "0",
                        "bootstrap.servers", "kafka:9092",
                        "topic.policy.versions", "prod.versions",
                        "dashboard.monitor.url", "http://streams:7071",
                        "dashboard.groups", "streamrlhf-trainer-tiny, streamrlhf-streams",
                        "dashboard.poll.interval", "500ms",
                        "dashboard.heartbeat.interval", "PT3S",
                        "kafka.security.protocol", "SASL_SSL"),
                registry);

        assertThat(config.bindAddress()).isEqualTo("0.0.0.0");
        assertThat(config.port()).isZero();
        assertThat(config.bootstrapServers()).isEqualTo("kafka:9092");
        assertThat(config.topics().policyVersions()).isEqualTo("prod.versions");
        assertThat(config.monitorUrl()).contains(URI.create("http://streams:7071"));
        assertThat(config.watchedGroups()).containsExactly("streamrlhf-trainer-tiny", "streamrlhf-streams");
        assertThat(config.pollInterval()).isEqualTo(Duration.ofMillis(500));
        assertThat(config.heartbeatInterval()).isEqualTo(Duration.ofSeconds(3));
        assertThat(config.kafkaOverrides()).containsExactly(Map.entry("security.protocol", "SASL_SSL"));
    }

    @Test
    void dashboardKafkaOverridesWinOverSharedOnes() {
        DashboardConfig config = read(Map.of(
                "kafka.security.protocol",
                "SASL_SSL",
                "kafka.sasl.jaas.config",
                "shared",
                "dashboard.kafka.sasl.jaas.config",
                "dashboard-only",
                "trainer.kafka.sasl.jaas.config",
                "trainer-only"));

        assertThat(config.kafkaOverrides())
                .containsOnly(
                        Map.entry("security.protocol", "SASL_SSL"), Map.entry("sasl.jaas.config", "dashboard-only"));
    }

    @Test
    void rejectsAPortOutOfRangeNamingTheKey() {
        assertThatThrownBy(() -> read(Map.of("dashboard.port", "70000")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("dashboard.port")
                .hasMessageContaining("70000");
        assertThatThrownBy(() -> read(Map.of("dashboard.port", "eighty")))
                .hasMessageStartingWith("Setting dashboard.port='eighty' is not valid: expected a whole number");
    }

    @Test
    void noneTurnsTheMonitorOff() {
        assertThat(read(Map.of("dashboard.monitor.url", "none")).monitorUrl()).isEmpty();
    }

    @Test
    void rejectsAMonitorUrlThatIsNotHttp() {
        assertThatThrownBy(() -> read(Map.of("dashboard.monitor.url", "streams:7071")))
                .hasMessageContaining("dashboard.monitor.url");
    }

    @Test
    void rejectsNonPositiveIntervalsAndMixedGroupLists() {
        assertThatThrownBy(() -> read(Map.of("dashboard.poll.interval", "0s")))
                .hasMessageContaining("dashboard.poll.interval");
        assertThatThrownBy(() -> read(Map.of("dashboard.poll.interval", "500")))
                .hasMessageStartingWith("Setting dashboard.poll.interval='500' is not valid: expected a duration");
        assertThatThrownBy(() -> DashboardConfig.local("k:9092", registry, TopicNames.defaults())
                        .withIntervals(Duration.ofSeconds(1), Duration.ZERO))
                .hasMessageContaining("dashboard.heartbeat.interval");
        assertThatThrownBy(() -> new DashboardConfig(
                        "127.0.0.1",
                        0,
                        "k:9092",
                        registry,
                        TopicNames.defaults(),
                        java.util.Optional.empty(),
                        List.of("a", "*"),
                        Duration.ofSeconds(1),
                        Duration.ofSeconds(1),
                        Map.of(),
                        java.util.Optional.empty()))
                .hasMessageContaining("dashboard.groups");
    }

    @Test
    void rejectsBlankBootstrapServers() {
        assertThatThrownBy(() -> DashboardConfig.from(Map.of("bootstrap.servers", " "), registry))
                .hasMessageStartingWith("Setting bootstrap.servers is missing");
    }
}
