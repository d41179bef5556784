package io.streamrlhf.app.dashboard;

import io.streamrlhf.app.dashboard.DashboardSnapshot.ActivityView;
import io.streamrlhf.app.dashboard.DashboardSnapshot.GroupLag;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Event rates and consumer lag from successive samples of end offsets and committed group offsets. A topic's
 * rate is the growth of its end offsets between two samples over the time between them (on transactional
 * topics the commit markers count too, a few percent at typical transaction sizes). Groups missing from the
 * latest sample are dropped.
 */
final class ActivityLog {

    /**
     * One reading of the cluster.
     *
     * @param time when it was taken
     * @param endOffsets end offset totals per topic
     * @param lag records behind per group and topic
     */
    record OffsetSample(long time, Map<String, Long> endOffsets, Map<String, Map<String, Long>> lag) {
        OffsetSample {
            endOffsets = Map.copyOf(endOffsets);
            lag = Map.copyOf(lag);
        }
    }

    private final int pointsPerSeries;
    private final Map<String, Series> rates = new TreeMap<>();
    private final Map<String, Series> lagHistory = new TreeMap<>();
    private OffsetSample previous;
    private String status = "waiting";
    private String error;

    ActivityLog(int pointsPerSeries) {
        this.pointsPerSeries = pointsPerSeries;
    }

    synchronized void add(OffsetSample sample) {
        status = "ok";
        error = null;
        if (previous != null && sample.time() > previous.time()) {
            double seconds = (sample.time() - previous.time()) / 1000.0;
            sample.endOffsets().forEach((topic, end) -> {
                Long before = previous.endOffsets().get(topic);
                // A smaller end offset means the topic was deleted and recreated: no rate for this interval.
                if (before != null && end >= before) {
                    rates.computeIfAbsent(topic, t -> new Series(pointsPerSeries))
                            .add(sample.time(), (end - before) / seconds);
                }
            });
        }
        lagHistory.keySet().retainAll(sample.lag().keySet());
        sample.lag()
                .forEach((group, byTopic) -> lagHistory
                        .computeIfAbsent(group, g -> new Series(pointsPerSeries))
                        .add(sample.time(), total(byTopic)));
        previous = sample;
    }

    synchronized void failed(String message) {
        status = "error";
        error = message;
    }

    synchronized ActivityView view() {
        Map<String, List<double[]>> ratePoints = new TreeMap<>();
        rates.forEach((topic, s) -> ratePoints.put(topic, s.points()));
        Map<String, GroupLag> lag = new TreeMap<>();
        Map<String, Long> ends = new TreeMap<>();
        if (previous != null) {
            ends.putAll(previous.endOffsets());
            previous.lag()
                    .forEach((group, byTopic) -> lag.put(
                            group,
                            new GroupLag(
                                    total(byTopic),
                                    new TreeMap<>(byTopic),
                                    lagHistory.get(group).points())));
        }
        return new ActivityView(status, error, ratePoints, ends, lag);
    }

    private static long total(Map<String, Long> byTopic) {
        return byTopic.values().stream().mapToLong(Long::longValue).sum();
    }
}
