package io.streamrlhf.trainer.publish;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrlhf.avro.OffsetRange;
import io.streamrlhf.avro.PolicyVersion;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VersionExamplesTest {

    private static PolicyVersion version(Map<String, Double> metrics, OffsetRange... lineage) {
        return PolicyVersion.newBuilder()
                .setModelId("m")
                .setVersion(3)
                .setParentVersion(2L)
                .setCheckpointUri("file:///tmp/m-v3.ckpt")
                .setSha256("ab".repeat(32))
                .setCreatedTime(Instant.EPOCH)
                .setLineage(List.of(lineage))
                .setMetrics(metrics)
                .build();
    }

    private static OffsetRange range(int partition, long from, long to) {
        return new OffsetRange("rlhf.examples.dpo", partition, from, to);
    }

    @Test
    void theCountsAreTheTrainersAndTheSpanIsTheRangesWidths() {
        // 5 records on partition 0 at offsets 10, 12, 14, 16, 18 (a commit marker after each) and 2 on partition 1
        PolicyVersion v = version(
                Map.of("examples/consumed", 7.0, "examples/consumed/dpo", 7.0), range(0, 10, 18), range(1, 4, 6));

        assertThat(VersionExamples.consumed(v)).isEqualTo(7);
        assertThat(VersionExamples.consumed(v, "dpo")).isEqualTo(7);
        assertThat(VersionExamples.consumed(v, "kto")).isEqualTo(-1);
        assertThat(VersionExamples.offsetsSpanned(v)).isEqualTo(9 + 3);
    }

    @Test
    void aVersionWithoutCountsSaysSoUnlessItsLineageIsEmpty() {
        assertThat(VersionExamples.consumed(version(Map.of(), range(0, 0, 3)))).isEqualTo(-1);
        assertThat(VersionExamples.consumed(version(Map.of()))).isZero();
        assertThat(VersionExamples.offsetsSpanned(version(Map.of()))).isZero();
    }
}
