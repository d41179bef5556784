package io.streamrlhf.bench.freshness;

import io.streamrlhf.avro.OffsetRange;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * Follows probe feedback events from production to the first policy version that absorbed them. A probe is known
 * by its response id; its KTO example is the one whose {@code responseId} is the probe's, located by the example's
 * own topic, partition and offset; the first version whose lineage range on that partition covers the offset
 * absorbed it. Every time is {@link System#nanoTime()} of the caller. Thread-safe.
 */
final class FreshnessTracker {

    /** The observed times of one probe; {@code -1} while not seen yet. */
    static final class Probe {
        final String responseId;
        final long sentNanos;
        final boolean measured;
        long exampleNanos = -1;
        long versionNanos = -1;
        long version = -1;
        int partition = -1;
        long offset = -1;

        Probe(String responseId, long sentNanos, boolean measured) {
            this.responseId = responseId;
            this.sentNanos = sentNanos;
            this.measured = measured;
        }
    }

    /** A version as seen: its number, lineage and when it became visible to read_committed readers. */
    private record Seen(long version, List<OffsetRange> lineage, long nanos) {}

    /**
     * What the measured probes showed, in milliseconds, each list sorted ascending.
     *
     * @param toExample feedback produced to its example visible on the examples topic
     * @param exampleToVersion example visible to the first version with it in its lineage visible
     * @param toVersion feedback produced to that version visible: the freshness
     * @param measured measured probes sent
     * @param unresolved measured probes not yet in any version
     */
    record Result(
            List<Double> toExample,
            List<Double> exampleToVersion,
            List<Double> toVersion,
            int measured,
            int unresolved) {}

    private final String examplesTopic;
    private final Map<String, Probe> byResponse = new HashMap<>();
    private final Map<Integer, NavigableMap<Long, Probe>> byExampleOffset = new HashMap<>();
    private final List<Seen> versions = new ArrayList<>();

    /** @param examplesTopic the KTO examples topic, whose lineage ranges are matched */
    FreshnessTracker(String examplesTopic) {
        this.examplesTopic = examplesTopic;
    }

    /** A probe's feedback is being produced now; {@code measured} false for warm-up and drain traffic. */
    synchronized void sent(String responseId, long nanos, boolean measured) {
        byResponse.putIfAbsent(responseId, new Probe(responseId, nanos, measured));
    }

    /** An example became visible; ignored unless it belongs to a probe (the first one per probe counts). */
    synchronized void example(String responseId, int partition, long offset, long nanos) {
        Probe probe = byResponse.get(responseId);
        if (probe == null || probe.exampleNanos >= 0) {
            return;
        }
        probe.exampleNanos = nanos;
        probe.partition = partition;
        probe.offset = offset;
        byExampleOffset.computeIfAbsent(partition, p -> new TreeMap<>()).put(offset, probe);
        // The version may have been seen first: both readers poll, and nothing orders their answers.
        for (Seen v : versions) {
            if (covers(v.lineage(), partition, offset)) {
                absorb(probe, v.version(), v.nanos());
                return;
            }
        }
    }

    /** A policy version became visible with {@code lineage}. */
    synchronized void version(long version, List<OffsetRange> lineage, long nanos) {
        versions.add(new Seen(version, List.copyOf(lineage), nanos));
        for (OffsetRange range : lineage) {
            NavigableMap<Long, Probe> offsets =
                    range.getTopic().equals(examplesTopic) ? byExampleOffset.get(range.getPartition()) : null;
            if (offsets != null) {
                offsets.subMap(range.getFromOffset(), true, range.getToOffset(), true)
                        .values()
                        .forEach(p -> absorb(p, version, nanos));
            }
        }
    }

    /** Whether every measured probe sent so far is in a version. */
    synchronized boolean measuredResolved() {
        return byResponse.values().stream().filter(p -> p.measured).allMatch(p -> p.versionNanos >= 0);
    }

    /** The figures of the measured probes. */
    synchronized Result result() {
        List<Double> toExample = new ArrayList<>();
        List<Double> exampleToVersion = new ArrayList<>();
        List<Double> toVersion = new ArrayList<>();
        int measured = 0;
        int unresolved = 0;
        for (Probe p : byResponse.values()) {
            if (!p.measured) {
                continue;
            }
            measured++;
            if (p.exampleNanos >= 0) {
                toExample.add(millis(p.exampleNanos - p.sentNanos));
            }
            if (p.versionNanos < 0) {
                unresolved++;
                continue;
            }
            toVersion.add(millis(p.versionNanos - p.sentNanos));
            exampleToVersion.add(millis(p.versionNanos - p.exampleNanos));
        }
        toExample.sort(null);
        exampleToVersion.sort(null);
        toVersion.sort(null);
        return new Result(toExample, exampleToVersion, toVersion, measured, unresolved);
    }

    /**
     * The {@code n} measured probes that took longest to reach a version (unresolved ones first), one line each:
     * where their example landed and how long each stage took, so a tail can be traced to a stage and partition.
     */
    synchronized List<String> slowest(int n, long startNanos) {
        return byResponse.values().stream()
                .filter(p -> p.measured)
                .sorted(java.util.Comparator.comparingLong(
                                (Probe p) -> p.versionNanos < 0 ? Long.MAX_VALUE : p.versionNanos - p.sentNanos)
                        .reversed())
                .limit(n)
                .map(p -> String.format(
                        java.util.Locale.ROOT,
                        "%s sent at +%.1f s: example %s, version %s",
                        p.responseId,
                        (p.sentNanos - startNanos) / 1e9,
                        p.exampleNanos < 0
                                ? "not seen"
                                : String.format(
                                        java.util.Locale.ROOT,
                                        "partition %d offset %d after %.0f ms",
                                        p.partition,
                                        p.offset,
                                        millis(p.exampleNanos - p.sentNanos)),
                        p.versionNanos < 0
                                ? "none"
                                : String.format(
                                        java.util.Locale.ROOT,
                                        "v%d after %.0f ms",
                                        p.version,
                                        millis(p.versionNanos - p.sentNanos))))
                .toList();
    }

    /**
     * The nearest-rank percentile {@code q} (0 to 100) of {@code sorted}: the smallest value with at least q% of
     * the values at or below it; NaN for an empty list.
     */
    static double percentile(List<Double> sorted, double q) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(q / 100.0 * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }

    private static void absorb(Probe probe, long version, long nanos) {
        if (probe.versionNanos < 0) {
            probe.versionNanos = nanos;
            probe.version = version;
        }
    }

    private boolean covers(List<OffsetRange> lineage, int partition, long offset) {
        for (OffsetRange r : lineage) {
            if (r.getTopic().equals(examplesTopic)
                    && r.getPartition() == partition
                    && r.getFromOffset() <= offset
                    && offset <= r.getToOffset()) {
                return true;
            }
        }
        return false;
    }

    private static double millis(long nanos) {
        return nanos / 1e6;
    }
}
