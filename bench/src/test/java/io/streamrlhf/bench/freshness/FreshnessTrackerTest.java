package io.streamrlhf.bench.freshness;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrlhf.avro.OffsetRange;
import java.util.List;
import org.junit.jupiter.api.Test;

class FreshnessTrackerTest {

    private static final String KTO = "rlhf.examples.kto";
    private static final long MS = 1_000_000;

    private final FreshnessTracker tracker = new FreshnessTracker(KTO);

    private static OffsetRange range(String topic, int partition, long from, long to) {
        return new OffsetRange(topic, partition, from, to);
    }

    @Test
    void timesAProbeToTheFirstVersionWhoseLineageCoversItsExample() {
        tracker.sent("r1", 1_000 * MS, true);
        tracker.example("r1", 2, 40, 3_500 * MS);
        tracker.version(7, List.of(range(KTO, 2, 30, 39)), 4_000 * MS);
        tracker.version(8, List.of(range("rlhf.examples.dpo", 2, 0, 99), range(KTO, 2, 40, 45)), 9_000 * MS);
        tracker.version(9, List.of(range(KTO, 2, 40, 45)), 12_000 * MS);

        FreshnessTracker.Result result = tracker.result();

        assertThat(result.toExample()).containsExactly(2_500.0);
        assertThat(result.exampleToVersion()).containsExactly(5_500.0);
        assertThat(result.toVersion()).containsExactly(8_000.0);
        assertThat(result.unresolved()).isZero();
        assertThat(tracker.measuredResolved()).isTrue();
    }

    @Test
    void matchesAVersionSeenBeforeTheExampleItAbsorbed() {
        tracker.sent("r1", 0, true);
        tracker.version(3, List.of(range(KTO, 0, 5, 5)), 2_000 * MS);
        tracker.example("r1", 0, 5, 2_100 * MS);

        assertThat(tracker.result().toVersion()).containsExactly(2_000.0);
    }

    @Test
    void leavesOutUnmeasuredProbesAndCountsUnresolvedOnes() {
        tracker.sent("warm", 0, false);
        tracker.sent("r1", 0, true);
        tracker.sent("r2", 0, true);
        tracker.example("warm", 0, 1, 1 * MS);
        tracker.example("r1", 0, 2, 1 * MS);
        tracker.example("someone-else", 0, 3, 1 * MS);
        tracker.version(1, List.of(range(KTO, 0, 0, 2)), 5 * MS);

        FreshnessTracker.Result result = tracker.result();

        assertThat(result.measured()).isEqualTo(2);
        assertThat(result.toVersion()).containsExactly(5.0);
        assertThat(result.unresolved()).isEqualTo(1);
        assertThat(tracker.measuredResolved()).isFalse();
    }

    @Test
    void percentileIsTheNearestRank() {
        List<Double> values = List.of(1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0);

        assertThat(FreshnessTracker.percentile(values, 50)).isEqualTo(5.0);
        assertThat(FreshnessTracker.percentile(values, 99)).isEqualTo(10.0);
        assertThat(FreshnessTracker.percentile(values, 10)).isEqualTo(1.0);
        assertThat(FreshnessTracker.percentile(List.of(), 50)).isNaN();
    }
}
