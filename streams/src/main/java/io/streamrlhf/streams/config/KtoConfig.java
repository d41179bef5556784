package io.streamrlhf.streams.config;

import java.time.Duration;
import java.util.Map;

/**
 * Thresholds of the KTO label topology.
 *
 * @param settleDelay how long (in stream time) a vote must stand before it is emitted; 0 emits at once.
 *                    Property {@code kto.settleDelay}, default 30s
 * @param responseRetention how long a response waits for feedback; later feedback is dead-lettered.
 *                          Property {@code kto.responseRetention}, default 7d
 * @param earlyFeedbackBuffer how long feedback waits for a response that has not arrived yet.
 *                            Property {@code kto.earlyFeedbackBuffer}, default 10m
 * @param userLabelsPerHour labels per user per hour (of stream time) that count toward training; the excess is
 *                          emitted with weight 0 and counted as capped. 0 disables the cap.
 *                          Property {@code kto.userLabelsPerHour}, default 100
 * @param punctuateInterval how often (stream time) settled votes and expired state are swept.
 *                          Property {@code kto.punctuateInterval}, default 1s
 * @param cachedStates response states the join holds as objects per task, the most recently used, so reading one
 *                     costs no deserialization; each holds its response's prompt and completion.
 *                     Property {@code kto.cachedStates}, default 4096
 */
public record KtoConfig(Duration settleDelay, Duration responseRetention, Duration earlyFeedbackBuffer,
                        int userLabelsPerHour, Duration punctuateInterval, int cachedStates) {

    public KtoConfig {
        Durations.requireNonNegative("kto.settleDelay", settleDelay);
        Durations.requirePositive("kto.responseRetention", responseRetention);
        Durations.requirePositive("kto.earlyFeedbackBuffer", earlyFeedbackBuffer);
        Durations.requirePositive("kto.punctuateInterval", punctuateInterval);
        if (userLabelsPerHour < 0) {
            throw new IllegalArgumentException("kto.userLabelsPerHour must be >= 0 (0 disables the cap), got "
                    + userLabelsPerHour);
        }
        if (cachedStates < 1) {
            throw new IllegalArgumentException("kto.cachedStates must be at least 1, got " + cachedStates);
        }
        if (settleDelay.compareTo(responseRetention) >= 0) {
            throw new IllegalArgumentException("kto.settleDelay (" + settleDelay
                    + ") must be shorter than kto.responseRetention (" + responseRetention + ")");
        }
    }

    /** The documented defaults. */
    public static KtoConfig defaults() {
        return new KtoConfig(Duration.ofSeconds(30), Duration.ofDays(7), Duration.ofMinutes(10), 100,
                Duration.ofSeconds(1), 4096);
    }

    /** The defaults overridden by {@code kto.*} keys. */
    public static KtoConfig fromProperties(Map<String, String> properties) {
        Props p = new Props(properties);
        KtoConfig d = defaults();
        return new KtoConfig(p.duration("kto.settleDelay", d.settleDelay),
                p.duration("kto.responseRetention", d.responseRetention),
                p.duration("kto.earlyFeedbackBuffer", d.earlyFeedbackBuffer),
                p.integer("kto.userLabelsPerHour", d.userLabelsPerHour),
                p.duration("kto.punctuateInterval", d.punctuateInterval),
                p.integer("kto.cachedStates", d.cachedStates));
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
