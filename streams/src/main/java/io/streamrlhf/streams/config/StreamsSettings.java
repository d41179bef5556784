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
 * @param canary canary controller and its sequential test
 */
public record StreamsSettings(
        KtoConfig kto,
        DpoConfig dpo,
        JudgeConfig judge,
        ValidationConfig validation,
        MonitorConfig monitor,
        CanaryConfig canary) {

    public StreamsSettings {
        Objects.requireNonNull(kto, "kto");
        Objects.requireNonNull(dpo, "dpo");
        Objects.requireNonNull(judge, "judge");
        Objects.requireNonNull(validation, "validation");
        Objects.requireNonNull(monitor, "monitor");
        Objects.requireNonNull(canary, "canary");
    }

    /** All documented defaults. */
    public static StreamsSettings defaults() {
        return new StreamsSettings(
                KtoConfig.defaults(),
                DpoConfig.defaults(),
                JudgeConfig.defaults(),
                ValidationConfig.defaults(),
                MonitorConfig.defaults(),
                CanaryConfig.defaults());
    }

    /**
     * The defaults overridden by {@code kto.*}, {@code dpo.*}, {@code judge.*}, {@code validation.*} and
     * {@code monitor.*} and {@code canary.*} keys.
     */
    public static StreamsSettings fromProperties(Map<String, String> properties) {
        return new StreamsSettings(
                KtoConfig.fromProperties(properties),
                DpoConfig.fromProperties(properties),
                JudgeConfig.fromProperties(properties),
                ValidationConfig.fromProperties(properties),
                MonitorConfig.fromProperties(properties),
                CanaryConfig.fromProperties(properties));
    }

    /** A copy with other KTO settings. */
    public StreamsSettings withKto(KtoConfig newKto) {
        return new StreamsSettings(newKto, dpo, judge, validation, monitor, canary);
    }

    /** A copy with other DPO settings. */
    public StreamsSettings withDpo(DpoConfig newDpo) {
        return new StreamsSettings(kto, newDpo, judge, validation, monitor, canary);
    }

    /** A copy with other validation settings. */
    public StreamsSettings withValidation(ValidationConfig newValidation) {
        return new StreamsSettings(kto, dpo, judge, newValidation, monitor, canary);
    }

    /** A copy with other monitor settings. */
    public StreamsSettings withMonitor(MonitorConfig newMonitor) {
        return new StreamsSettings(kto, dpo, judge, validation, newMonitor, canary);
    }

    /** A copy with other canary settings. */
    public StreamsSettings withCanary(CanaryConfig newCanary) {
        return new StreamsSettings(kto, dpo, judge, validation, monitor, newCanary);
    }
}
