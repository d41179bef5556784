package io.streamrlhf.trainer.loop;

import io.streamrlhf.avro.OffsetRange;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Offsets consumed since the parent version, per partition: the version's lineage and the offsets
 * its transaction commits. Records of a partition arrive in offset order, so each partition is one
 * inclusive range. Transaction markers and aborted records inside a range take offsets but are no
 * records, so a range's width is not the number of examples (see {@code VersionExamples}).
 */
public final class LineageTracker {

    private final Map<TopicPartition, long[]> ranges = new LinkedHashMap<>();

    /** Records that the record at {@code offset} was consumed (trained, down-weighted or dropped). */
    public void record(TopicPartition partition, long offset) {
        long[] range = ranges.get(partition);
        if (range == null) {
            ranges.put(partition, new long[] {offset, offset});
            return;
        }
        if (offset <= range[1]) {
            throw new IllegalStateException(
                    "offset " + offset + " on " + partition + " is not after the last consumed offset " + range[1]);
        }
        range[1] = offset;
    }

    /** Whether nothing was consumed since the parent. */
    public boolean isEmpty() {
        return ranges.isEmpty();
    }

    /** Number of partitions with records consumed since the parent. */
    public int partitions() {
        return ranges.size();
    }

    /** The lineage: one inclusive range per partition, sorted by topic and partition. */
    public List<OffsetRange> lineage() {
        List<OffsetRange> out = new ArrayList<>();
        ranges.entrySet().stream()
                .sorted(Comparator.comparing((Map.Entry<TopicPartition, long[]> e) ->
                                e.getKey().topic())
                        .thenComparingInt(e -> e.getKey().partition()))
                .forEach(e -> out.add(
                        new OffsetRange(e.getKey().topic(), e.getKey().partition(), e.getValue()[0], e.getValue()[1])));
        return out;
    }

    /** Next offsets to commit: last consumed + 1 per partition. */
    public Map<TopicPartition, OffsetAndMetadata> offsetsToCommit() {
        Map<TopicPartition, OffsetAndMetadata> out = new LinkedHashMap<>();
        ranges.forEach((tp, r) -> out.put(tp, new OffsetAndMetadata(r[1] + 1)));
        return out;
    }

    /** Starts a new version's lineage. */
    public void clear() {
        ranges.clear();
    }
}
