package io.streamrlhf.schemas.util;

import java.time.Duration;
import java.util.Objects;

/**
 * Bounded exponential backoff for retrying a transient failure (a registry or broker outage): the first delay is
 * {@code initial}, each further one doubles, capped at {@code max}; {@link #reset()} after a success. Not
 * thread-safe: one per retrying loop.
 */
public final class Backoff {

    private final Duration initial;
    private final Duration max;
    private Duration next;
    private long attempts;

    /**
     * @param initial the first delay, positive
     * @param max the largest delay, at least {@code initial}
     */
    public Backoff(Duration initial, Duration max) {
        Objects.requireNonNull(initial, "initial");
        Objects.requireNonNull(max, "max");
        if (initial.isNegative() || initial.isZero()) {
            throw new IllegalArgumentException("initial backoff must be positive, was " + initial);
        }
        if (max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("max backoff " + max + " must be at least the initial " + initial);
        }
        this.initial = initial;
        this.max = max;
        this.next = initial;
    }

    /** The delay before the next attempt; doubles the one after, up to the maximum. */
    public Duration next() {
        Duration current = next;
        attempts++;
        Duration doubled = next.multipliedBy(2);
        next = doubled.compareTo(max) > 0 ? max : doubled;
        return current;
    }

    /** Retries since the last {@link #reset()}. */
    public long attempts() {
        return attempts;
    }

    /** Starts again from the initial delay, after an attempt succeeded. */
    public void reset() {
        next = initial;
        attempts = 0;
    }
}
