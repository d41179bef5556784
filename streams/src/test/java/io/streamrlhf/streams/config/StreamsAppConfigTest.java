package io.streamrlhf.streams.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamrlhf.schemas.registry.InMemorySchemaRegistry;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StreamsAppConfigTest {

    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();

    @Test
    void emptyPropertiesGiveTheDocumentedDefaults() {
        StreamsAppConfig c = StreamsAppConfig.fromProperties(Map.of(), registry);
        assertThat(c.applicationId()).isEqualTo("streamrlhf-streams");
        assertThat(c.bootstrapServers()).isEqualTo("localhost:9092");
        assertThat(c.commitInterval()).isEqualTo(Duration.ofMillis(100));
        assertThat(c.topicNames().feedback()).isEqualTo("rlhf.feedback");
        assertThat(c.settings()).isEqualTo(StreamsSettings.defaults());
        assertThat(c.settings().kto().settleDelay()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.settings().kto().responseRetention()).isEqualTo(Duration.ofDays(7));
        assertThat(c.settings().dpo().rho()).isEqualTo(0.1);
        assertThat(c.settings().monitor().httpPort()).isEqualTo(7071);
    }

    @Test
    void propertiesOverrideEveryGroup() {
        StreamsAppConfig c = StreamsAppConfig.fromProperties(Map.of(
                "streams.applicationId", "app-1", "streams.bootstrapServers", "b:1", "kto.settleDelay", "0",
                "kto.userLabelsPerHour", "5", "dpo.rho", "0.5", "dpo.rolloutWindow", "PT2M",
                "judge.format.json", "\\{.*}", "judge.bannedPhrases", "foo|bar", "monitor.httpPort", "-1",
                "topic.feedback", "prod.feedback"), registry);
        assertThat(c.applicationId()).isEqualTo("app-1");
        assertThat(c.settings().kto().settleDelay()).isZero();
        assertThat(c.settings().kto().userLabelsPerHour()).isEqualTo(5);
        assertThat(StreamsAppConfig.fromProperties(Map.of("kto.cachedStates", "64"), registry).settings().kto()
                .cachedStates()).isEqualTo(64);
        assertThat(c.settings().dpo().rho()).isEqualTo(0.5);
        assertThat(c.settings().dpo().rolloutWindow()).isEqualTo(Duration.ofMinutes(2));
        assertThat(c.settings().judge().formatByTask()).containsKey("json");
        assertThat(c.settings().judge().bannedPhrases()).containsExactly("foo", "bar");
        assertThat(c.settings().monitor().httpPort()).isEqualTo(-1);
        assertThat(c.topicNames().feedback()).isEqualTo("prod.feedback");
    }

    @Test
    void kafkaPropertiesRunExactlyOnceV2WithTheConfiguredStateAndTiming() {
        StreamsAppConfig c = StreamsAppConfig.fromProperties(Map.of("streams.applicationId", "a",
                "streams.bootstrapServers", "b:1", "streams.stateDir", "/tmp/s", "streams.threads", "2",
                "streams.commitInterval", "250ms", "streams.stateStore", "in-memory"), registry);
        java.util.Properties p = io.streamrlhf.streams.app.StreamsApp.streamsProperties(c);
        java.util.Properties tuned = io.streamrlhf.streams.app.StreamsApp.streamsProperties(StreamsAppConfig
                .fromProperties(Map.of("streams.producerLinger", "5ms", "streams.producerBatchSize", "16384"),
                        registry));
        assertThat(tuned.get("producer.linger.ms")).isEqualTo(5);
        assertThat(tuned.get("producer.batch.size")).isEqualTo(16384);
        assertThat(p.get(org.apache.kafka.streams.StreamsConfig.PROCESSING_GUARANTEE_CONFIG))
                .isEqualTo(org.apache.kafka.streams.StreamsConfig.EXACTLY_ONCE_V2);
        assertThat(p.get(org.apache.kafka.streams.StreamsConfig.APPLICATION_ID_CONFIG)).isEqualTo("a");
        assertThat(p.get(org.apache.kafka.streams.StreamsConfig.STATE_DIR_CONFIG)).isEqualTo("/tmp/s");
        assertThat(p.get(org.apache.kafka.streams.StreamsConfig.NUM_STREAM_THREADS_CONFIG)).isEqualTo(2);
        assertThat(p.get(org.apache.kafka.streams.StreamsConfig.COMMIT_INTERVAL_MS_CONFIG)).isEqualTo(250L);
        assertThat(p.get("producer.linger.ms")).isEqualTo(100);
        assertThat(p.get("producer.batch.size")).isEqualTo(512 * 1024);
        assertThat(c.stateStoreType()).isEqualTo(StateStoreType.IN_MEMORY);
    }

    @Test
    void staticMembershipAndSessionTimeoutReachTheMainConsumerOnlyWhenSet() {
        java.util.Properties dynamic = io.streamrlhf.streams.app.StreamsApp.streamsProperties(
                StreamsAppConfig.fromProperties(Map.of(), registry));
        assertThat(dynamic).doesNotContainKey("main.consumer.group.instance.id");
        assertThat(dynamic.get("main.consumer.session.timeout.ms")).isEqualTo(45_000);

        java.util.Properties fixed = io.streamrlhf.streams.app.StreamsApp.streamsProperties(
                StreamsAppConfig.fromProperties(Map.of("streams.instanceId", "node-1",
                        "streams.sessionTimeout", "10s"), registry));
        assertThat(fixed.get("main.consumer.group.instance.id")).isEqualTo("node-1");
        assertThat(fixed.get("main.consumer.session.timeout.ms")).isEqualTo(10_000);
    }

    @Test
    void rejectsAnInstanceIdKafkaWouldRefuse() {
        assertThatThrownBy(() -> StreamsAppConfig.fromProperties(Map.of("streams.instanceId", "a b"), registry))
                .hasMessageContaining("streams.instanceId");
    }

    @Test
    void durationsAcceptUnitsAndIso() {
        assertThat(Durations.parse("k", "250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(Durations.parse("k", "7d")).isEqualTo(Duration.ofDays(7));
        assertThat(Durations.parse("k", "10m")).isEqualTo(Duration.ofMinutes(10));
        assertThat(Durations.parse("k", "PT30S")).isEqualTo(Duration.ofSeconds(30));
        assertThatThrownBy(() -> Durations.parse("kto.settleDelay", "soon"))
                .hasMessageContaining("kto.settleDelay").hasMessageContaining("30s");
    }

    @Test
    void invalidValuesFailFastNamingTheKey() {
        assertThatThrownBy(() -> StreamsAppConfig.fromProperties(Map.of("dpo.rho", "1.5"), registry))
                .hasMessageContaining("dpo.rho");
        assertThatThrownBy(() -> StreamsAppConfig.fromProperties(Map.of("dpo.rolloutGroupSize", "1"), registry))
                .hasMessageContaining("dpo.rolloutGroupSize");
        assertThatThrownBy(() -> StreamsAppConfig.fromProperties(Map.of("kto.settleDelay", "8d"), registry))
                .hasMessageContaining("kto.responseRetention");
        assertThatThrownBy(() -> StreamsAppConfig.fromProperties(Map.of("kto.userLabelsPerHour", "-1"), registry))
                .hasMessageContaining("kto.userLabelsPerHour");
        assertThatThrownBy(() -> StreamsAppConfig.fromProperties(Map.of("kto.cachedStates", "0"), registry))
                .hasMessageContaining("kto.cachedStates");
        assertThatThrownBy(() -> StreamsAppConfig.fromProperties(Map.of("judge.format.x", "("), registry))
                .hasMessageContaining("judge.format.x");
        assertThatThrownBy(() -> StreamsAppConfig.fromProperties(Map.of("streams.threads", "zero"), registry))
                .hasMessageContaining("streams.threads");
        assertThatThrownBy(() -> StreamsAppConfig.fromProperties(Map.of("streams.producerBatchSize", "-1"),
                registry)).hasMessageContaining("streams.producerBatchSize");
    }
}
