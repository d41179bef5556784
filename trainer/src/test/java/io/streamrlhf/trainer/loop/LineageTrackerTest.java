package io.streamrlhf.trainer.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamrlhf.avro.OffsetRange;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class LineageTrackerTest {

    @Test
    void recordsOneInclusiveRangePerPartitionAndCommitsTheNextOffset() {
        // given
        LineageTracker tracker = new LineageTracker();
        TopicPartition dpo0 = new TopicPartition("dpo", 0);
        TopicPartition kto1 = new TopicPartition("kto", 1);
        // when (offset 12 skipped: a transaction marker)
        tracker.record(kto1, 10);
        tracker.record(dpo0, 3);
        tracker.record(kto1, 11);
        tracker.record(kto1, 13);
        // then
        assertThat(tracker.lineage())
                .containsExactly(new OffsetRange("dpo", 0, 3L, 3L), new OffsetRange("kto", 1, 10L, 13L));
        assertThat(tracker.offsetsToCommit().get(kto1).offset()).isEqualTo(14);
        assertThat(tracker.offsetsToCommit().get(dpo0).offset()).isEqualTo(4);
    }

    @Test
    void refusesAnOffsetThatGoesBackwards() {
        // given
        LineageTracker tracker = new LineageTracker();
        TopicPartition tp = new TopicPartition("kto", 0);
        tracker.record(tp, 5);
        // when / then
        assertThatThrownBy(() -> tracker.record(tp, 5)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void clearStartsAnEmptyLineage() {
        // given
        LineageTracker tracker = new LineageTracker();
        tracker.record(new TopicPartition("kto", 0), 1);
        // when
        tracker.clear();
        // then
        assertThat(tracker.isEmpty()).isTrue();
        assertThat(tracker.lineage()).isEmpty();
    }
}
