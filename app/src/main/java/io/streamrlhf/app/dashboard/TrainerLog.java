package io.streamrlhf.app.dashboard;

import io.streamrlhf.app.dashboard.DashboardSnapshot.TrainerView;
import io.streamrlhf.avro.TrainerMetrics;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Trainer metrics by step: one bounded {@link Series} per metric key (TRL's log keys such as
 * {@code loss/dpo}, {@code rewards/margins}), plus the latest step's coordinates. At most {@code maxKeys}
 * distinct keys are kept, so a trainer logging per-parameter values cannot grow the page without bound.
 */
final class TrainerLog {

    private final int pointsPerSeries;
    private final int maxKeys;
    private final Map<String, Series> series = new TreeMap<>();
    private String modelId;
    private long step = -1;
    private long policyVersion = -1;
    private long time;

    TrainerLog(int pointsPerSeries, int maxKeys) {
        this.pointsPerSeries = pointsPerSeries;
        this.maxKeys = maxKeys;
    }

    synchronized void add(TrainerMetrics record) {
        modelId = record.getModelId().toString();
        step = record.getStep();
        policyVersion = record.getPolicyVersion();
        time = record.getEventTime().toEpochMilli();
        record.getMetrics().forEach((key, value) -> {
            String name = key.toString();
            Series s = series.get(name);
            if (s == null) {
                if (series.size() >= maxKeys) {
                    return;
                }
                s = new Series(pointsPerSeries);
                series.put(name, s);
            }
            if (value != null) {
                s.add(record.getStep(), value);
            }
        });
    }

    synchronized TrainerView view() {
        Map<String, Double> latest = new TreeMap<>();
        Map<String, List<double[]>> points = new TreeMap<>();
        series.forEach((name, s) -> {
            if (Double.isFinite(s.last())) {
                latest.put(name, s.last());
            }
            points.put(name, s.points());
        });
        return new TrainerView(modelId, step, policyVersion, time, latest, points);
    }
}
