package io.streamrlhf.streams.config;

import java.time.Duration;

/** Checks on durations shared by the config records' compact constructors (parsing is the config module's). */
public final class Durations {

    private Durations() {}

    static Duration requireNonNegative(String name, Duration d) {
        if (d == null || d.isNegative()) {
            throw new IllegalArgumentException(name + " must be zero or positive, got " + d);
        }
        return d;
    }

    static Duration requirePositive(String name, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, got " + d);
        }
        return d;
    }
}
