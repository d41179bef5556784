package io.streamrlhf.app.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamrlhf.schemas.registry.InMemorySchemaRegistry;
import io.streamrlhf.schemas.topic.TopicNames;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DashboardConfigTest {

    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();

    @Test
    void defaultsWorkOnTheLocalStack() {
        DashboardConfig config = DashboardConfig.from(Map.of(), registry);

        assertThat(config.bindAddress()).isEqualTo("127.0.0.1");
        assertThat(config.port()).isEqualTo(DashboardConfig.DEFAULT_PORT);
        assertThat(config.bootstrapServers()).isEqualTo("127.0.0.1:9092");
        assertThat(config.topics()).isEqualTo(TopicNames.defaults());
        assertThat(config.monitorUrl()).contains(URI.create("http://127.0.0.1:7071"));
        assertThat(config.watchesAllGroups()).isTrue();
        assertThat(config.pollInterval()).isEqualTo(Duration.ofSeconds(2));
        assertThat(config.heartbeatInterval()).isEqualTo(Duration.ofSeconds(15));
        assertThat(config.kafkaOverrides()).isEmpty();
    }

    @Test
    void readsEveryDocumentedKey() {
        DashboardConfig config = DashboardConfig.from(Map.of(
                "dashboard.bind", "0.0.0.0",
                "dashboard.port", "0",
                "bootstrap.servers", "kafka:9092",
                "topic.policy.versions", "prod.versions",
                "dashboard.monitor.url", "http://streams:7071",
                "dashboard.groups", "streamrlhf-trainer-tiny, streamrlhf-streams",
                "dashboard.poll.ms", "500",
                "dashboard.heartbeat.ms", "3000",
                "kafka.security.protocol", "SASL_SSL"), registry);

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
    void rejectsAPortOutOfRangeNamingTheKey() {
        assertThatThrownBy(() -> DashboardConfig.from(Map.of("dashboard.port", "70000"), registry))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("dashboard.port").hasMessageContaining("70000");
        assertThatThrownBy(() -> DashboardConfig.from(Map.of("dashboard.port", "eighty"), registry))
                .hasMessageContaining("dashboard.port must be an integer");
    }

    @Test
    void noneTurnsTheMonitorOff() {
        assertThat(DashboardConfig.from(Map.of("dashboard.monitor.url", "none"), registry).monitorUrl()).isEmpty();
    }

    @Test
    void rejectsAMonitorUrlThatIsNotHttp() {
        assertThatThrownBy(() -> DashboardConfig.from(Map.of("dashboard.monitor.url", "streams:7071"), registry))
                .hasMessageContaining("dashboard.monitor.url");
    }

    @Test
    void rejectsNonPositiveIntervalsAndMixedGroupLists() {
        assertThatThrownBy(() -> DashboardConfig.from(Map.of("dashboard.poll.ms", "0"), registry))
                .hasMessageContaining("dashboard.poll.ms");
        assertThatThrownBy(() -> DashboardConfig.local("k:9092", registry, TopicNames.defaults())
                .withIntervals(Duration.ofSeconds(1), Duration.ZERO))
                .hasMessageContaining("dashboard.heartbeat.ms");
        assertThatThrownBy(() -> new DashboardConfig("127.0.0.1", 0, "k:9092", registry, TopicNames.defaults(),
                java.util.Optional.empty(), List.of("a", "*"), Duration.ofSeconds(1), Duration.ofSeconds(1), Map.of()))
                .hasMessageContaining("dashboard.groups");
    }

    @Test
    void rejectsBlankBootstrapServers() {
        assertThatThrownBy(() -> DashboardConfig.from(Map.of("bootstrap.servers", " "), registry))
                .hasMessageContaining("bootstrap.servers");
    }
}
