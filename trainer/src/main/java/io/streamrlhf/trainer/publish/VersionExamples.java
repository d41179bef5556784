package io.streamrlhf.trainer.publish;

import io.streamrlhf.avro.OffsetRange;
import io.streamrlhf.avro.PolicyVersion;

/**
 * How many example records a published version absorbed, and how that differs from the size of its lineage.
 *
 * <p>A version's lineage holds one inclusive offset range per partition, from the first to the last record it
 * consumed there. The example topics are written in transactions (Kafka Streams under exactly-once commits every
 * {@code streams.commit.interval}), and each commit puts a marker into every partition it wrote to; the marker takes
 * an offset but is no record, and neither are the records of an aborted transaction, which a {@code read_committed}
 * reader never sees. So the width of the ranges counts offsets, not examples: when pairs come a few per second, most
 * transactions hold one or two records per partition, and the ranges were 1.3 to 1.7 times the records in the DPO
 * runs of the learning experiment. The
 * trainer counts the records it consumed ({@link #CONSUMED}, and per source {@link #CONSUMED_PREFIX}{@code kto} or {@code dpo})
 * into each version's summary metrics; use those.
 */
public final class VersionExamples {

    /** Summary metric: example records the version absorbed (trained, cancelled, dropped as stale or invalid). */
    public static final String CONSUMED = "examples/consumed";

    /** Summary metric prefix: the same count for one source, {@code examples/consumed/kto} or {@code .../dpo}. */
    public static final String CONSUMED_PREFIX = CONSUMED + "/";

    private VersionExamples() {}

    /**
     * The example records {@code version} absorbed from one source ({@code kto} or {@code dpo}), or -1 when it does
     * not say (a version from a trainer that counted only the total).
     */
    public static long consumed(PolicyVersion version, String source) {
        Double n = version.getMetrics().get(CONSUMED_PREFIX + source);
        if (n != null) {
            return Math.round(n);
        }
        return version.getLineage().isEmpty() ? 0 : -1;
    }

    /** The example records {@code version} absorbed from all topics, or -1 when it does not say. */
    public static long consumed(PolicyVersion version) {
        Double total = version.getMetrics().get(CONSUMED);
        if (total != null) {
            return Math.round(total);
        }
        return version.getLineage().isEmpty() ? 0 : -1;
    }

    /**
     * The offsets {@code version}'s lineage spans: the records it absorbed plus the transaction markers and aborted
     * records between them. An upper bound on {@link #consumed(PolicyVersion)}, never the count itself.
     */
    public static long offsetsSpanned(PolicyVersion version) {
        long total = 0;
        for (OffsetRange r : version.getLineage()) {
            total += r.getToOffset() - r.getFromOffset() + 1;
        }
        return total;
    }
}
