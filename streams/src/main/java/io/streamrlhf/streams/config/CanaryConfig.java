package io.streamrlhf.streams.config;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Settings of the canary controller and its sequential test.
 *
 * @param enabled whether the streams application runs the canary controller (and samplers and the gateway route by
 *     its decisions). Property {@code canary.enabled}, default false: every new version serves all traffic at once
 * @param alpha the family-wise error of the whole test (all metrics together), split evenly over the thumbs-up
 *     rate and each listed judge. Property {@code canary.alpha}, default 0.05
 * @param thumbsMargin non-inferiority margin of the thumbs-up rate: the canary may be at most this much lower.
 *     Property {@code canary.thumbs.margin}, default 0.05
 * @param judgeMargin how much higher a judge's failure rate may be shown to be at most for promotion. Property
 *     {@code canary.judge.margin}, default 0.05
 * @param judges the constraint judges whose failure rates are tested. Property {@code canary.judges},
 *     comma-separated judge ids, default {@code format,length-bounds,banned-phrases}; {@code none}: thumbs only
 * @param minSamples observations each arm of a metric needs before that metric can decide. Property
 *     {@code canary.min.samples}, default 100
 * @param tuningSamples observations per arm at which the confidence sequences are tightest. Property
 *     {@code canary.tuning.samples}, default 2000
 * @param maxDuration event time after which an undecided canary gets the default outcome. Property
 *     {@code canary.max.duration}, default 24h
 * @param defaultOutcome the outcome at the maximum duration. Property {@code canary.default.outcome}, default
 *     {@code ROLLED_BACK}
 * @param attributionWindow how long (event time) the controller keeps a response's version for its feedback and
 *     verdicts. Property {@code canary.attribution.window}, default 1h
 * @param gateMargin how much lower than its parent's a version's judged pass rate on the held-out prompts may be,
 *     per judge, before the gate stops it from becoming the canary. Property {@code canary.gate.margin}, default 0.05
 * @param evidenceInterval how often (wall clock) the controller publishes a running canary's current statistics,
 *     at most one record per model per interval and only when its counts changed. Property
 *     {@code canary.evidence.interval}, default 5s; zero: never
 */
public record CanaryConfig(
        boolean enabled,
        double alpha,
        double thumbsMargin,
        double judgeMargin,
        List<String> judges,
        long minSamples,
        long tuningSamples,
        Duration maxDuration,
        CanaryDefault defaultOutcome,
        Duration attributionWindow,
        double gateMargin,
        Duration evidenceInterval) {

    public CanaryConfig {
        if (!(alpha > 0 && alpha < 1)) {
            throw new IllegalArgumentException("canary.alpha must be in (0, 1), got " + alpha);
        }
        if (!(thumbsMargin >= 0 && thumbsMargin < 1)) {
            throw new IllegalArgumentException("canary.thumbs.margin must be in [0, 1), got " + thumbsMargin);
        }
        if (!(judgeMargin >= 0 && judgeMargin < 1)) {
            throw new IllegalArgumentException("canary.judge.margin must be in [0, 1), got " + judgeMargin);
        }
        judges = judges.stream()
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .distinct()
                .toList();
        if (minSamples < 1) {
            throw new IllegalArgumentException("canary.min.samples must be >= 1, got " + minSamples);
        }
        if (tuningSamples < 1) {
            throw new IllegalArgumentException("canary.tuning.samples must be >= 1, got " + tuningSamples);
        }
        Durations.requirePositive("canary.max.duration", maxDuration);
        Objects.requireNonNull(defaultOutcome, "canary.default.outcome");
        Durations.requirePositive("canary.attribution.window", attributionWindow);
        if (!(gateMargin >= 0 && gateMargin < 1)) {
            throw new IllegalArgumentException("canary.gate.margin must be from 0 up to 1, got " + gateMargin);
        }
        Durations.requireNonNegative("canary.evidence.interval", evidenceInterval);
    }

    /** The documented defaults. */
    public static CanaryConfig defaults() {
        return new CanaryConfig(
                false,
                0.05,
                0.05,
                0.05,
                List.of("format", "length-bounds", "banned-phrases"),
                100,
                2000,
                Duration.ofHours(24),
                CanaryDefault.ROLLED_BACK,
                Duration.ofHours(1),
                0.05,
                Duration.ofSeconds(5));
    }

    /** The defaults overridden by {@code canary.*} keys. */
    public static CanaryConfig fromProperties(Map<String, String> properties) {
        return new CanaryConfig(
                StreamsKeys.CANARY_ENABLED.get(properties),
                StreamsKeys.CANARY_ALPHA.get(properties),
                StreamsKeys.CANARY_THUMBS_MARGIN.get(properties),
                StreamsKeys.CANARY_JUDGE_MARGIN.get(properties),
                judges(StreamsKeys.CANARY_JUDGES.get(properties)),
                StreamsKeys.CANARY_MIN_SAMPLES.get(properties),
                StreamsKeys.CANARY_TUNING_SAMPLES.get(properties),
                StreamsKeys.CANARY_MAX_DURATION.get(properties),
                StreamsKeys.CANARY_DEFAULT_OUTCOME.get(properties),
                StreamsKeys.CANARY_ATTRIBUTION_WINDOW.get(properties),
                StreamsKeys.CANARY_GATE_MARGIN.get(properties),
                StreamsKeys.CANARY_EVIDENCE_INTERVAL.get(properties));
    }

    /** The judge ids of {@code canary.judges}: comma-separated, or {@code none} for thumbs only. */
    static List<String> judges(String value) {
        return value.trim().equalsIgnoreCase("none") ? List.of() : Arrays.asList(value.split(","));
    }

    /** A copy with other test parameters (tests and simulations). */
    public CanaryConfig withTest(
            double newAlpha, double newThumbsMargin, double newJudgeMargin, List<String> newJudges) {
        return new CanaryConfig(
                enabled,
                newAlpha,
                newThumbsMargin,
                newJudgeMargin,
                newJudges,
                minSamples,
                tuningSamples,
                maxDuration,
                defaultOutcome,
                attributionWindow,
                gateMargin,
                evidenceInterval);
    }

    /** A copy with another minimum sample, tuning sample and maximum duration. */
    public CanaryConfig withLimits(long newMinSamples, long newTuningSamples, Duration newMaxDuration) {
        return new CanaryConfig(
                enabled,
                alpha,
                thumbsMargin,
                judgeMargin,
                judges,
                newMinSamples,
                newTuningSamples,
                newMaxDuration,
                defaultOutcome,
                attributionWindow,
                gateMargin,
                evidenceInterval);
    }

    /** A copy that publishes live statistics every {@code interval} (zero: never). */
    public CanaryConfig withEvidenceInterval(Duration interval) {
        return new CanaryConfig(
                enabled,
                alpha,
                thumbsMargin,
                judgeMargin,
                judges,
                minSamples,
                tuningSamples,
                maxDuration,
                defaultOutcome,
                attributionWindow,
                gateMargin,
                interval);
    }
}
