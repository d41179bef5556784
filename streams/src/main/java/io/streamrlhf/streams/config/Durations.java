package io.streamrlhf.streams.config;

import java.time.Duration;
import java.util.Locale;

/** Parses the duration notation used by every streams property: {@code 30s}, {@code 250ms}, {@code 7d} or ISO-8601. */
public final class Durations {

    private Durations() {
    }

    /**
     * Parses {@code text} as a number followed by {@code ms}, {@code s}, {@code m}, {@code h} or {@code d}, or as an
     * ISO-8601 duration such as {@code PT30S}. A bare number is milliseconds.
     *
     * @throws IllegalArgumentException naming {@code key} when the text is not a duration
     */
    public static Duration parse(String key, String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (t.startsWith("p")) {
                return Duration.parse(text.trim().toUpperCase(Locale.ROOT));
            }
            if (t.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2).trim()));
            }
            long n;
            switch (t.charAt(t.length() - 1)) {
                case 's' -> n = 1_000L;
                case 'm' -> n = 60_000L;
                case 'h' -> n = 3_600_000L;
                case 'd' -> n = 86_400_000L;
                default -> {
                    return Duration.ofMillis(Long.parseLong(t));
                }
            }
            return Duration.ofMillis(Math.multiplyExact(Long.parseLong(t.substring(0, t.length() - 1).trim()), n));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("Property " + key + "='" + text
                    + "' is not a duration: write for example 250ms, 30s, 10m, 1h, 7d or PT30S", e);
        }
    }

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
