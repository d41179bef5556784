package io.streamrlhf.schemas.topic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TopicLayoutTest {

    @Test
    void readsOverridesFromProperties() {
        TopicLayout layout =
                TopicLayout.fromProperties(Map.of("topics.partitions", "6", "topics.replication.factor", "3"));
        assertThat(layout.partitions()).isEqualTo(6);
        assertThat(layout.replicationFactor()).isEqualTo((short) 3);
    }

    @Test
    void threeReplicasRequireTwoInSyncOnEveryTopic() {
        var specs = TopicLayout.specsFromProperties(Map.of("topics.replication.factor", "3"));
        assertThat(specs).hasSize(17);
        assertThat(specs).allSatisfy(s -> assertThat(s.configs()).containsEntry("min.insync.replicas", "2"));
    }

    @Test
    void oneOrTwoReplicasRequireOneInSync() {
        assertThat(TopicLayout.specsFromProperties(Map.of()))
                .allSatisfy(s -> assertThat(s.configs()).containsEntry("min.insync.replicas", "1"));
        assertThat(TopicLayout.specsFromProperties(Map.of("topics.replication.factor", "2")))
                .allSatisfy(s -> assertThat(s.configs()).containsEntry("min.insync.replicas", "1"));
    }

    @Test
    void explicitMinInsyncWinsAndMustFitTheReplicas() {
        assertThat(TopicLayout.fromProperties(
                                Map.of("topics.replication.factor", "5", "topics.min.insync.replicas", "3"))
                        .minInsyncReplicas())
                .isEqualTo(3);
        assertThatThrownBy(() -> TopicLayout.fromProperties(
                        Map.of("topics.replication.factor", "3", "topics.min.insync.replicas", "4")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("topics.min.insync.replicas");
    }

    @Test
    void readsRetentionsInEitherDurationSyntax() {
        TopicLayout layout =
                TopicLayout.fromProperties(Map.of("topics.event.retention", "14d", "topics.example.retention", "P60D"));
        assertThat(layout.eventRetention()).isEqualTo(java.time.Duration.ofDays(14));
        assertThat(layout.exampleRetention()).isEqualTo(java.time.Duration.ofDays(60));
    }

    @Test
    void specsFromPropertiesIncludeTheMonitorEventsTopicUnderItsConfiguredName() {
        var specs = TopicLayout.specsFromProperties(
                Map.of("topic.monitor.events", "t.monitor", "topic.dead.letters", "t.dead"));
        assertThat(specs).hasSize(17);
        assertThat(specs).extracting(TopicSpec::name).contains("t.monitor", "t.dead", "rlhf.responses");
    }

    @Test
    void checkpointChunksAreCompactedWithRoomForAChunkPerRecord() {
        TopicNames names = TopicNames.defaults();
        var spec = TopicLayout.defaults().specs(names).stream()
                .filter(s -> s.name().equals("rlhf.policy.checkpoints"))
                .findFirst()
                .orElseThrow();
        assertThat(spec.configs()).containsEntry("cleanup.policy", "compact");
        assertThat(Integer.parseInt(spec.configs().get("max.message.bytes")))
                .as("a whole chunk with its key and framing fits one record")
                .isGreaterThan(TopicLayout.CHECKPOINT_MAX_CHUNK_BYTES + 4096);
        assertThat(spec.partitions()).isEqualTo(3);
    }

    @Test
    void canaryEvidenceKeepsTheLatestPerModelForADay() {
        TopicNames names = TopicNames.defaults();
        var spec = TopicLayout.defaults().specs(names).stream()
                .filter(s -> s.name().equals("rlhf.policy.canary.evidence"))
                .findFirst()
                .orElseThrow();
        assertThat(spec.configs())
                .containsEntry("cleanup.policy", "compact,delete")
                .containsEntry("retention.ms", "86400000")
                .containsEntry("segment.ms", "3600000");
        assertThat(spec.partitions()).isEqualTo(1);
    }

    @Test
    void refusesEventRetentionShorterThanTheLateFeedbackWindow() {
        assertThatThrownBy(() -> TopicLayout.fromProperties(Map.of("topics.event.retention", "P1D")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("P7D");
    }

    @Test
    void refusesZeroPartitionsNamingTheSetting() {
        assertThatThrownBy(() -> TopicLayout.fromProperties(Map.of("topics.partitions", "0")))
                .hasMessageContaining("topics.partitions");
    }

    @Test
    void specsCoverEveryTopicNameAndCompactTheRegistryLog() {
        TopicNames names = TopicNames.defaults();
        var specs = TopicLayout.defaults().specs(names);
        assertThat(specs).hasSize(16);
        assertThat(specs)
                .filteredOn(s -> s.name().equals(names.schemas()))
                .singleElement()
                .extracting(s -> s.configs().get("cleanup.policy"))
                .isEqualTo("compact");
        assertThat(specs)
                .filteredOn(s -> s.name().equals("rlhf.erasures"))
                .singleElement()
                .satisfies(s -> {
                    assertThat(s.configs()).containsEntry("cleanup.policy", "compact");
                    assertThat(s.partitions()).isEqualTo(1);
                });
        assertThat(specs)
                .filteredOn(s -> s.name().equals("rlhf.erasure.reports"))
                .singleElement()
                .satisfies(s -> assertThat(s.configs()).containsEntry("cleanup.policy", "compact"));
    }

    @Test
    void refusesInvalidTopicNames() {
        assertThatThrownBy(() -> TopicNames.fromProperties(Map.of("topic.feedback", "bad name!")))
                .hasMessageContaining("bad name!");
    }
}
