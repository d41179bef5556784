package io.streamrlhf.streams.monitor;

import io.streamrlhf.schemas.monitor.VersionStats;
import io.streamrlhf.streams.avro.VersionMinuteStats;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;

/**
 * Interactive queries over the monitor's window store: per-minute rows and per-version totals. Reads the local
 * instance's store (all of this instance's partitions); with several instances, each serves its own share.
 */
public final class MonitorQuery {

    private final Supplier<ReadOnlyWindowStore<String, VersionMinuteStats>> store;

    /** @param store fetches the store (from {@code KafkaStreams#store}, or a test driver) on every query */
    public MonitorQuery(Supplier<ReadOnlyWindowStore<String, VersionMinuteStats>> store) {
        this.store = store;
    }

    /** Every (version, minute) row whose minute starts within [from, to], by minute then version. */
    public List<VersionStats> minutes(long from, long to) {
        Map<String, VersionStats> rows = new TreeMap<>();
        forEach(
                from,
                to,
                (key, stats) -> rows.put(
                        String.format("%016x/%s", key.window().start(), key.key()),
                        VersionCounters.toStats(
                                Long.parseLong(key.key()),
                                key.window().start(),
                                key.window().end(),
                                stats)));
        List<VersionStats> out = new ArrayList<>(rows.values());
        out.sort(Comparator.comparingLong(VersionStats::from).thenComparingLong(VersionStats::policyVersion));
        return out;
    }

    /** Per version, the sum of its minutes starting within [from, to], by version. */
    public List<VersionStats> versions(long from, long to) {
        Map<Long, VersionMinuteStats> sums = new TreeMap<>();
        Map<Long, long[]> ranges = new TreeMap<>();
        forEach(from, to, (key, stats) -> {
            long v = Long.parseLong(key.key());
            sums.merge(v, stats, VersionCounters::sum);
            ranges.merge(v, new long[] {key.window().start(), key.window().end()}, (a, b) ->
                    new long[] {Math.min(a[0], b[0]), Math.max(a[1], b[1])});
        });
        List<VersionStats> out = new ArrayList<>();
        sums.forEach((v, s) -> out.add(VersionCounters.toStats(v, ranges.get(v)[0], ranges.get(v)[1], s)));
        return out;
    }

    private void forEach(long from, long to, java.util.function.BiConsumer<Windowed<String>, VersionMinuteStats> f) {
        try (KeyValueIterator<Windowed<String>, VersionMinuteStats> it =
                store.get().fetchAll(java.time.Instant.ofEpochMilli(from), java.time.Instant.ofEpochMilli(to))) {
            while (it.hasNext()) {
                KeyValue<Windowed<String>, VersionMinuteStats> kv = it.next();
                f.accept(kv.key, kv.value);
            }
        }
    }
}
