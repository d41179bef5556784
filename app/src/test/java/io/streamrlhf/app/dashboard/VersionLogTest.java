package io.streamrlhf.app.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrlhf.app.dashboard.DashboardSnapshot.VersionView;
import io.streamrlhf.avro.OffsetRange;
import io.streamrlhf.avro.PolicyVersion;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VersionLogTest {

    private static final Instant T0 = Instant.parse("2026-11-27T12:00:00Z");

    @Test
    void listsVersionsInPublicationOrderWithParentStatusAndTime() {
        VersionLog log = new VersionLog(10);
        log.add(Records.version(1, T0.plusSeconds(60), 40));
        log.add(Records.version(0, T0, 0));

        List<VersionView> versions = log.versions();

        assertThat(versions).extracting(VersionView::version).containsExactly(0L, 1L);
        VersionView v1 = versions.get(1);
        assertThat(v1.parentVersion()).isEqualTo(0L);
        assertThat(v1.status()).isEqualTo("PUBLISHED");
        assertThat(v1.createdTime()).isEqualTo(T0.plusSeconds(60).toEpochMilli());
        assertThat(versions.get(0).status()).isEqualTo("WARM_START");
        assertThat(versions.get(0).parentVersion()).isNull();
    }

    @Test
    void countsExamplesFromTheLineageWhenTheVersionPublishesNoCount() {
        VersionLog log = new VersionLog(10);
        log.add(Records.version(3, T0, 40));

        assertThat(log.versions().get(0).examples()).isEqualTo(40);
    }

    @Test
    void prefersTheTrainersExampleCounterOverTheLineage() {
        List<OffsetRange> lineage = List.of(range(0, 0, 99), range(1, 10, 19));
        assertThat(VersionLog.examples(Map.of(), lineage)).isEqualTo(110);
        assertThat(VersionLog.examples(Map.of("examples/consumed", 97.0), lineage))
                .isEqualTo(97);
    }

    @Test
    void aRepublishedVersionReplacesTheEarlierRecord() {
        VersionLog log = new VersionLog(10);
        log.add(Records.version(2, T0, 10));
        PolicyVersion again = PolicyVersion.newBuilder(Records.version(2, T0.plusSeconds(5), 12))
                .build();
        log.add(again);

        assertThat(log.versions())
                .singleElement()
                .extracting(VersionView::examples)
                .isEqualTo(12L);
    }

    @Test
    void keepsOnlyTheNewestVersionsBeyondCapacity() {
        VersionLog log = new VersionLog(3);
        for (int v = 0; v < 5; v++) {
            log.add(Records.version(v, T0.plusSeconds(v), 5));
        }
        assertThat(log.versions()).extracting(VersionView::version).containsExactly(2L, 3L, 4L);
    }

    private static OffsetRange range(int partition, long from, long to) {
        return OffsetRange.newBuilder()
                .setTopic("rlhf.examples.kto")
                .setPartition(partition)
                .setFromOffset(from)
                .setToOffset(to)
                .build();
    }
}
