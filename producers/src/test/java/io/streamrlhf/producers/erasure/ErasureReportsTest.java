package io.streamrlhf.producers.erasure;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrlhf.avro.ErasureReport;
import io.streamrlhf.avro.OffsetRange;
import io.streamrlhf.avro.PolicyVersion;
import io.streamrlhf.avro.UserErased;
import io.streamrlhf.avro.VersionRef;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Mapping example offsets to the versions whose lineage holds them, and the report built from it. */
class ErasureReportsTest {

    private static final Instant T = Instant.parse("2026-12-07T10:00:00Z");

    private static PolicyVersion version(String model, long v, OffsetRange... lineage) {
        return PolicyVersion.newBuilder()
                .setModelId(model)
                .setVersion(v)
                .setCheckpointUri("file:///v")
                .setSha256("00")
                .setCreatedTime(T)
                .setLineage(List.of(lineage))
                .build();
    }

    @Test
    void anOffsetIsHeldByTheVersionsWhoseInclusiveRangeOnTheSamePartitionContainsIt() {
        Lineage lineage = Lineage.of(List.of(
                version("policy", 1, new OffsetRange("kto", 0, 0L, 9L)),
                version("policy", 2, new OffsetRange("kto", 0, 10L, 19L), new OffsetRange("kto", 1, 0L, 4L)),
                version("other", 1, new OffsetRange("kto", 0, 5L, 12L))));

        assertThat(lineage.holding("kto", 0, 9))
                .containsExactly(new VersionRef("other", 1L), new VersionRef("policy", 1L));
        assertThat(lineage.holding("kto", 0, 10))
                .containsExactly(new VersionRef("other", 1L), new VersionRef("policy", 2L));
        assertThat(lineage.holding("kto", 1, 5)).isEmpty();
        assertThat(lineage.holding("kto", 2, 0)).isEmpty();
        assertThat(lineage.holding("dpo", 0, 0)).isEmpty();
    }

    @Test
    void aReportListsTheHoldingVersionsOnceAndTheExamplesNoVersionHolds() {
        Lineage lineage = Lineage.of(List.of(
                version("policy", 1, new OffsetRange("kto", 0, 0L, 3L)),
                version("policy", 2, new OffsetRange("kto", 0, 4L, 7L), new OffsetRange("dpo", 0, 0L, 0L))));
        UserErased request = new UserErased("alice", T, "req-1", null);

        ErasureReport report = ErasureReports.build(
                request,
                List.of(
                        new FoundExample("KTO", "k3", "kto", 0, 8, true),
                        new FoundExample("KTO", "k2", "kto", 0, 5, false),
                        new FoundExample("DPO", "d1", "dpo", 0, 0, false),
                        new FoundExample("KTO", "k1", "kto", 0, 1, false)),
                lineage,
                List.of(),
                T.plusSeconds(5));

        assertThat(report.getVersions()).containsExactly(new VersionRef("policy", 1L), new VersionRef("policy", 2L));
        assertThat(report.getUntrainedExampleIds()).containsExactly("k3");
        assertThat(report.getExamples()).extracting(e -> e.getExampleId()).containsExactly("d1", "k1", "k2", "k3");
        assertThat(report.getRequestId()).isEqualTo("req-1");
        Map<String, Object> json = ErasureReports.toMap(report);
        assertThat(json).containsEntry("requestId", "req-1").containsEntry("untrainedExampleIds", List.of("k3"));
    }
}
