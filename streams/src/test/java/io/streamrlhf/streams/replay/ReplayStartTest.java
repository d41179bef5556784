package io.streamrlhf.streams.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class ReplayStartTest {

    @Test
    void anIsoInstantStartsAtATime() {
        assertThat(ReplayStart.parse("2026-12-07T10:00:00Z"))
                .isEqualTo(new ReplayStart.AtTime(Instant.ofEpochMilli(1_796_637_600_000L)));
    }

    @Test
    void topicPartitionOffsetListsStartAtOffsetsAndTopicNamesMayContainColonsOnlyBeforeThePartition() {
        assertThat(ReplayStart.parse("rlhf.feedback:0:42, rlhf.responses:2:7"))
                .isEqualTo(new ReplayStart.AtOffsets(Map.of(
                        new TopicPartition("rlhf.feedback", 0), 42L, new TopicPartition("rlhf.responses", 2), 7L)));
    }

    @Test
    void anythingElseIsRefusedNamingThePart() {
        assertThatThrownBy(() -> ReplayStart.parse("yesterday"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'yesterday' is neither an ISO-8601 instant nor topic:partition:offset");
        assertThatThrownBy(() -> ReplayStart.parse("rlhf.feedback:x:1"))
                .hasMessageContaining("needs a whole partition and offset");
        assertThatThrownBy(() -> ReplayStart.parse("2026-13-07T10:00:00Z")).hasMessageContaining("ISO-8601");
        assertThatThrownBy(() -> ReplayStart.parse("rlhf.feedback:0:-1")).hasMessageContaining("must be >= 0");
        assertThatThrownBy(() -> ReplayStart.parse("rlhf.feedback:0:1,rlhf.feedback:0:2"))
                .hasMessageContaining("named twice");
    }
}
