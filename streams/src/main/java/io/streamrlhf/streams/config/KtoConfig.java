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
 * @param cachedStateBytes bytes of response states the join holds as objects per task, the most recently used, in
 *                         place of Kafka's record cache; a state weighs what it would take serialized, counting three
 *                         bytes per character. Property {@code kto.cached.state.bytes}, default 33554432 (32 MiB)
 * @param maxVotesPerResponse distinct users with a vote on one response, plus feedback waiting for its response; the
 *                            feedback of one more user is dead-lettered as {@code RESPONSE_VOTES_LIMIT}.
 *                            Property {@code kto.max.votes.per.response}, default 1000
 * @param maxStateBytes bytes of one response's state record (key plus serialized value) in the store and its
 *                      changelog; a response or feedback that would make it larger is dead-lettered as
 *                      {@code RESPONSE_STATE_LIMIT}. At most {@value #MAX_STATE_BYTES_LIMIT}, to stay below the
 *                      1 MiB a Kafka producer and broker accept by default. Property {@code kto.max.state.bytes},
 *                      default 524288 (512 KiB)
 */
public record KtoConfig(
        Duration settleDelay,
        Duration responseRetention,
        Duration earlyFeedbackBuffer,
        int userLabelsPerHour,
        Duration punctuateInterval,
        int cachedStateBytes,
        int maxVotesPerResponse,
        int maxStateBytes) {

    /**
     * The largest state record allowed: Kafka's default {@code max.request.size} (1048576) less 64 KiB for the
     * record and batch framing and headers.
     */
    public static final int MAX_STATE_BYTES_LIMIT = 1_048_576 - 65_536;

    public KtoConfig {
        Durations.requireNonNegative("kto.settle.delay", settleDelay);
        Durations.requirePositive("kto.response.retention", responseRetention);
        Durations.requirePositive("kto.early.feedback.buffer", earlyFeedbackBuffer);
        Durations.requirePositive("kto.punctuate.interval", punctuateInterval);
        if (userLabelsPerHour < 0) {
            throw new IllegalArgumentException(
                    "kto.user.labels.per.hour must be >= 0 (0 disables the cap), got " + userLabelsPerHour);
        }
        if (cachedStateBytes < 1) {
            throw new IllegalArgumentException("kto.cached.state.bytes must be at least 1, got " + cachedStateBytes);
        }
        if (maxVotesPerResponse < 1) {
            throw new IllegalArgumentException(
                    "kto.max.votes.per.response must be at least 1, got " + maxVotesPerResponse);
        }
        if (maxStateBytes < 4096 || maxStateBytes > MAX_STATE_BYTES_LIMIT) {
            throw new IllegalArgumentException("kto.max.state.bytes must be within [4096, " + MAX_STATE_BYTES_LIMIT
                    + "] (a larger changelog record fails Kafka's default 1 MiB limit), got " + maxStateBytes);
        }
        if (settleDelay.compareTo(responseRetention) >= 0) {
            throw new IllegalArgumentException("kto.settle.delay (" + settleDelay
                    + ") must be shorter than kto.response.retention (" + responseRetention + ")");
        }
    }

    /** The documented defaults. */
    public static KtoConfig defaults() {
        return new KtoConfig(
                Duration.ofSeconds(30),
                Duration.ofDays(7),
                Duration.ofMinutes(10),
                100,
                Duration.ofSeconds(1),
                32 << 20,
                1000,
                512 << 10);
    }

    /** The defaults overridden by {@code kto.*} keys. */
    public static KtoConfig fromProperties(Map<String, String> properties) {
        return new KtoConfig(
                StreamsKeys.KTO_SETTLE_DELAY.get(properties),
                StreamsKeys.KTO_RESPONSE_RETENTION.get(properties),
                StreamsKeys.KTO_EARLY_FEEDBACK_BUFFER.get(properties),
                StreamsKeys.KTO_USER_LABELS_PER_HOUR.get(properties),
                StreamsKeys.KTO_PUNCTUATE_INTERVAL.get(properties),
                StreamsKeys.KTO_CACHED_STATE_BYTES.get(properties),
                StreamsKeys.KTO_MAX_VOTES_PER_RESPONSE.get(properties),
                StreamsKeys.KTO_MAX_STATE_BYTES.get(properties));
    }

    /** A copy with another settle delay. */
    public KtoConfig withSettleDelay(Duration delay) {
        return new KtoConfig(
                delay,
                responseRetention,
                earlyFeedbackBuffer,
                userLabelsPerHour,
                punctuateInterval,
                cachedStateBytes,
                maxVotesPerResponse,
                maxStateBytes);
    }

    /** A copy with another per-user cap. */
    public KtoConfig withUserLabelsPerHour(int cap) {
        return new KtoConfig(
                settleDelay,
                responseRetention,
                earlyFeedbackBuffer,
                cap,
                punctuateInterval,
                cachedStateBytes,
                maxVotesPerResponse,
                maxStateBytes);
    }

    /** A copy with other bounds on one response's state. */
    public KtoConfig withStateBounds(int maxVotes, int maxBytes) {
        return new KtoConfig(
                settleDelay,
                responseRetention,
                earlyFeedbackBuffer,
                userLabelsPerHour,
                punctuateInterval,
                cachedStateBytes,
                maxVotes,
                maxBytes);
    }
}
