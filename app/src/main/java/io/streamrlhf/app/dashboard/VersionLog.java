package io.streamrlhf.app.dashboard;

import io.streamrlhf.app.dashboard.DashboardSnapshot.VersionView;
import io.streamrlhf.avro.OffsetRange;
import io.streamrlhf.avro.PolicyVersion;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The policy versions seen on the versions topic, one entry per (model, version): a version re-published
 * (after a trainer restart, say) replaces its earlier record. Keeps the newest {@code capacity}.
 */
final class VersionLog {

    /**
     * Metric keys that, when a version publishes one, give its absorbed example count directly (the trainer's
     * {@code examples/consumed} counter restarts at each version).
     */
    static final List<String> EXAMPLE_KEYS = List.of("examples/consumed", "examples", "examples_absorbed");

    private static final Comparator<VersionView> ORDER = Comparator.comparingLong(VersionView::createdTime)
            .thenComparing(VersionView::modelId)
            .thenComparingLong(VersionView::version);

    private final int capacity;
    private final Map<String, VersionView> byKey = new TreeMap<>();

    VersionLog(int capacity) {
        this.capacity = capacity;
    }

    synchronized void add(PolicyVersion record) {
        VersionView view = view(record);
        byKey.put(view.modelId() + "\u0000" + view.version(), view);
        if (byKey.size() > capacity) {
            byKey.values().stream()
                    .min(ORDER)
                    .ifPresent(oldest -> byKey.remove(oldest.modelId() + "\u0000" + oldest.version()));
        }
    }

    /** Oldest first. */
    synchronized List<VersionView> versions() {
        List<VersionView> out = new ArrayList<>(byKey.values());
        out.sort(ORDER);
        return out;
    }

    static VersionView view(PolicyVersion record) {
        Map<String, Double> metrics = new TreeMap<>();
        record.getMetrics().forEach((k, v) -> {
            if (v != null && Double.isFinite(v)) {
                metrics.put(k.toString(), v);
            }
        });
        return new VersionView(
                record.getModelId().toString(),
                record.getVersion(),
                record.getParentVersion(),
                record.getCreatedTime().toEpochMilli(),
                examples(metrics, record.getLineage()),
                record.getStatus().name(),
                metrics,
                record.getSha256().toString(),
                record.getCheckpointUri().toString(),
                record.getSizeBytes());
    }

    /**
     * Examples absorbed: the published count where there is one, else the size of the lineage's offset
     * ranges (an upper bound on transactional topics, whose commit markers take offsets too).
     */
    static long examples(Map<String, Double> metrics, List<OffsetRange> lineage) {
        for (String key : EXAMPLE_KEYS) {
            Double v = metrics.get(key);
            if (v != null) {
                return Math.round(v);
            }
        }
        long total = 0;
        for (OffsetRange range : lineage) {
            total += Math.max(0, range.getToOffset() - range.getFromOffset() + 1);
        }
        return total;
    }
}
