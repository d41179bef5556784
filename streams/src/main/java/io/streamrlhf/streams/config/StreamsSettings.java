package io.streamrlhf.streams.config;

import java.util.Map;
import java.util.Objects;

/**
 * Every threshold of the streams topologies, grouped by feature.
 *
 * @param kto KTO labels
 * @param dpo DPO pairs
 * @param judge rule-based judges
 * @param validation edge validation
 * @param monitor per-version monitor
 */
public record StreamsSettings(
        KtoConfig kto, DpoConfig dpo, JudgeConfig judge, ValidationConfig validation, MonitorConfig monitor) {

    public StreamsSettings {
        Objects.requireNonNull(kto, "kto");
        Objects.requireNonNull(dpo, "dpo");
        Objects.requireNonNull(judge, "judge");
        Objects.requireNonNull(validation, "validation");
        Objects.requireNonNull(monitor, "monitor");
    }

    /** All documented defaults. */
    public static StreamsSettings defaults() {
        return new StreamsSettings(
                KtoConfig.defaults(),
                DpoConfig.defaults(),
                JudgeConfig.defaults(),
                ValidationConfig.defaults(),
                MonitorConfig.defaults());
    }

    /**
     * The defaults overridden by {@code kto.*}, {@code dpo.*}, {@code judge.*}, {@code validation.*} and
     * {@code monitor.*} keys.
     */
    public static StreamsSettings fromProperties(Map<String, String> properties) {
        return new StreamsSettings(
                KtoConfig.fromProperties(properties),
                DpoConfig.fromProperties(properties),
                JudgeConfig.fromProperties(properties),
                ValidationConfig.fromProperties(properties),
                MonitorConfig.fromProperties(properties));
    }

    /** A copy with other KTO settings. */
    public StreamsSettings withKto(KtoConfig newKto) {
        return new StreamsSettings(newKto, dpo, judge, validation, monitor);
    }

    /** A copy with other DPO settings. */
    public StreamsSettings withDpo(DpoConfig newDpo) {
        return new StreamsSettings(kto, newDpo, judge, validation, monitor);
    }

    /** A copy with other validation settings. */
    public StreamsSettings withValidation(ValidationConfig newValidation) {
        return new StreamsSettings(kto, dpo, judge, newValidation, monitor);
    }

    /** A copy with other monitor settings. */
    public StreamsSettings withMonitor(MonitorConfig newMonitor) {
        return new StreamsSettings(kto, dpo, judge, validation, newMonitor);
    }
}
