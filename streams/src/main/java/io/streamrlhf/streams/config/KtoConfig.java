package io.streamrlhf.streams.config;

import java.time.Duration;
import java.util.Map;

/**
 * Thresholds of the KTO label topology.
 *
 * @param settleDelay how long (in stream time) a vote must stand before it is emitted; 0 emits at once.
 *                    Property {@code kto.settle.delay}, default 30s
 * @param responseRetention how long a response waits for feedback; later feedback is dead-lettered.
 *                          Property {@code kto.response.retention}, default 7d
 * @param earlyFeedbackBuffer how long feedback waits for a response that has not arrived yet.
 *                            Property {@code kto.early.feedback.buffer}, default 10m
 * @param userLabelsPerHour labels per user per hour (of stream time) that count toward training; the excess is
 *                          emitted with weight 0 and counted as capped. 0 disables the cap.
 *                          Property {@code kto.user.labels.per.hour}, default 100
 * @param punctuateInterval how often (stream time) settled votes and expired state are swept.
 *                          Property {@code kto.punctuate.interval}, default 1s
 * @param cachedStates response states the join holds as objects per task, the most recently used, in place of
 *                     Kafka's record cache; each holds its response's prompt and completion.
 *                     Property {@code kto.cached.states}, default 4096
 */
public record KtoConfig(Duration settleDelay, Duration responseRetention, Duration earlyFeedbackBuffer,
                        int userLabelsPerHour, Duration punctuateInterval, int cachedStates) {

    public KtoConfig {
        Durations.requireNonNegative("kto.settle.delay", settleDelay);
        Durations.requirePositive("kto.response.retention", responseRetention);
        Durations.requirePositive("kto.early.feedback.buffer", earlyFeedbackBuffer);
        Durations.requirePositive("kto.punctuate.interval", punctuateInterval);
        if (userLabelsPerHour < 0) {
            throw new IllegalArgumentException("kto.user.labels.per.hour must be >= 0 (0 disables the cap), got "
                    + userLabelsPerHour);
        }
        if (cachedStates < 1) {
            throw new IllegalArgumentException("kto.cached.states must be at least 1, got " + cachedStates);
        }
        if (settleDelay.compareTo(responseRetention) >= 0) {
            throw new IllegalArgumentException("kto.settle.delay (" + settleDelay
                    + ") must be shorter than kto.response.retention (" + responseRetention + ")");
        }
    }

    /** The documented defaults. */
    public static KtoConfig defaults() {
        return new KtoConfig(Duration.ofSeconds(30), Duration.ofDays(7), Duration.ofMinutes(10), 100,
                Duration.ofSeconds(1), 4096);
    }

    /** The defaults overridden by {@code kto.*} keys. */
    public static KtoConfig fromProperties(Map<String, String> properties) {
        return new KtoConfig(StreamsKeys.KTO_SETTLE_DELAY.get(properties),
                StreamsKeys.KTO_RESPONSE_RETENTION.get(properties),
                StreamsKeys.KTO_EARLY_FEEDBACK_BUFFER.get(properties),
                StreamsKeys.KTO_USER_LABELS_PER_HOUR.get(properties),
                StreamsKeys.KTO_PUNCTUATE_INTERVAL.get(properties),
                StreamsKeys.KTO_CACHED_STATES.get(properties));
    }

    /** A copy with another settle delay. */
    public KtoConfig withSettleDelay(Duration delay) {
        return new KtoConfig(delay, responseRetention, earlyFeedbackBuffer, userLabelsPerHour, punctuateInterval,
                cachedStates);
    }

    /** A copy with another per-user cap. */
    public KtoConfig withUserLabelsPerHour(int cap) {
        return new KtoConfig(settleDelay, responseRetention, earlyFeedbackBuffer, cap, punctuateInterval,
                cachedStates);
    }
}
