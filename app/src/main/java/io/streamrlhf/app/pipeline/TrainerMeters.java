package io.streamrlhf.app.pipeline;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.streamrlhf.trainer.config.SourceConfig;
import io.streamrlhf.trainer.config.TrainerConfig;
import io.streamrlhf.trainer.loop.OnlineTrainer;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * The trainer's meters, kept across restarts: each counter is what retired incarnations counted plus what the
 * running one counts, so a supervised restart is no counter reset.
 */
final class TrainerMeters {

    private volatile OnlineTrainer current;
    private volatile OnlineTrainer.Stats retired = new OnlineTrainer.Stats(0, 0, 0, 0, 0, Map.of());
    private volatile long lastVersion = -1;

    TrainerMeters(TrainerConfig config, MeterRegistry registry) {
        counter(registry, "streamrlhf.trainer.steps", "optimizer steps taken", OnlineTrainer.Stats::steps);
        counter(
                registry,
                "streamrlhf.trainer.examples.absorbed",
                "example records read (trained, cancelled, stale or invalid; records read again after a rebase count"
                        + " again)",
                OnlineTrainer.Stats::examplesConsumed);
        counter(
                registry,
                "streamrlhf.trainer.examples.invalid",
                "example records skipped because they are bad in themselves",
                OnlineTrainer.Stats::invalidRecords);
        counter(
                registry,
                "streamrlhf.trainer.versions.published",
                "policy versions committed, warm start included",
                OnlineTrainer.Stats::versionsPublished);
        Gauge.builder("streamrlhf.trainer.version", this, m -> m.version())
                .description("the policy version being trained on (the last committed one), -1 before recovery")
                .register(registry);
        Gauge.builder("streamrlhf.trainer.last.version.timestamp", this, m -> m.lastPublishSeconds())
                .description("when the last version was committed, in epoch seconds (0 before the first)")
                .baseUnit("seconds")
                .register(registry);
        for (SourceConfig source : List.of(config.kto(), config.dpo())) {
            if (source.enabled()) {
                String key = "loss/" + source.name();
                Gauge.builder("streamrlhf.trainer.loss", this, m -> m.lastStep(key))
                        .description("the loss of the last step, per source")
                        .tag("source", source.name())
                        .register(registry);
            }
        }
    }

    private void counter(
            MeterRegistry registry, String name, String description, ToLongFunction<OnlineTrainer.Stats> f) {
        FunctionCounter.builder(name, this, m -> f.applyAsLong(m.retired) + m.running(f))
                .description(description)
                .register(registry);
    }

    private long running(ToLongFunction<OnlineTrainer.Stats> f) {
        OnlineTrainer t = current;
        return t == null ? 0 : f.applyAsLong(t.stats());
    }

    private double version() {
        OnlineTrainer t = current;
        return t == null ? lastVersion : t.currentVersion();
    }

    private double lastPublishSeconds() {
        OnlineTrainer t = current;
        long millis =
                Math.max(retired.lastPublishMillis(), t == null ? 0 : t.stats().lastPublishMillis());
        return millis / 1000.0;
    }

    private double lastStep(String key) {
        OnlineTrainer t = current;
        java.util.Map<String, Double> m =
                t == null ? retired.lastStepMetrics() : t.stats().lastStepMetrics();
        Double v = m.get(key);
        return v == null ? Double.NaN : v;
    }

    synchronized void attach(OnlineTrainer trainer) {
        current = trainer;
    }

    synchronized void retire(OnlineTrainer trainer) {
        if (current != trainer) {
            return;
        }
        OnlineTrainer.Stats s = trainer.stats();
        OnlineTrainer.Stats r = retired;
        retired = new OnlineTrainer.Stats(
                r.steps() + s.steps(),
                r.examplesConsumed() + s.examplesConsumed(),
                r.invalidRecords() + s.invalidRecords(),
                r.versionsPublished() + s.versionsPublished(),
                Math.max(r.lastPublishMillis(), s.lastPublishMillis()),
                s.lastStepMetrics().isEmpty() ? r.lastStepMetrics() : s.lastStepMetrics());
        lastVersion = trainer.currentVersion();
        current = null;
    }
}
