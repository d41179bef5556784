package io.streamrlhf.config;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The strict parsers every setting goes through. Nothing is guessed: a boolean is {@code true} or
 * {@code false}, a number is a number, and every failure names the key and the value.
 */
public final class Parsers {

    private static final Pattern SHORT_DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");

    private Parsers() {}

    /**
     * A duration written as a whole number followed by {@code ms}, {@code s}, {@code m}, {@code h} or
     * {@code d} ({@code 250ms}, {@code 30s}, {@code 5m}), or in ISO-8601 ({@code PT30S}). A bare number is
     * refused: its unit would be a guess.
     */
    public static Duration duration(String key, String text) {
        String t = text.trim();
        Matcher m = SHORT_DURATION.matcher(t);
        try {
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                return switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                };
            }
            if (t.startsWith("P") || t.startsWith("p")) {
                return Duration.parse(t.toUpperCase(Locale.ROOT));
            }
        } catch (ArithmeticException | NumberFormatException | DateTimeParseException e) {
            // falls through to the one error message below
        }
        throw ConfigException.badValue(key, text, "a duration such as 250ms, 30s, 5m, 1h, 7d or PT30S");
    }

    /** {@code true} or {@code false} (any case); anything else, {@code ture} or {@code yes} included, fails. */
    public static boolean bool(String key, String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw ConfigException.badValue(key, text, "true or false");
        };
    }

    /** A decimal {@code int}. */
    public static int integer(String key, String text) {
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw ConfigException.badValue(
                    key, text, "a whole number between " + Integer.MIN_VALUE + " and " + Integer.MAX_VALUE);
        }
    }

    /** A decimal {@code long}. */
    public static long longValue(String key, String text) {
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw ConfigException.badValue(key, text, "a whole number");
        }
    }

    /** A finite {@code double} ({@code 0.5}, {@code 1e-4}); {@code NaN} and infinities fail. */
    public static double decimal(String key, String text) {
        try {
            double d = Double.parseDouble(text.trim());
            if (Double.isFinite(d)
                    && !text.trim().endsWith("d")
                    && !text.trim().endsWith("f")
                    && !text.trim().endsWith("D")
                    && !text.trim().endsWith("F")) {
                return d;
            }
        } catch (NumberFormatException e) {
            // falls through to the one error message below
        }
        throw ConfigException.badValue(key, text, "a finite number such as 0.5 or 1e-4");
    }

    /** A constant of {@code type} by name, case-insensitive, {@code -} read as {@code _}. */
    public static <E extends Enum<E>> E enumeration(String key, String text, Class<E> type) {
        String name = text.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        for (E constant : type.getEnumConstants()) {
            if (constant.name().equals(name)) {
                return constant;
            }
        }
        throw ConfigException.badValue(
                key,
                text,
                "one of "
                        + Arrays.stream(type.getEnumConstants()).map(Enum::name).collect(Collectors.joining(", ")));
    }

    /** Formats a duration the way it is best written back in a settings file ({@code 30s}, {@code 250ms}). */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (d.isZero()) {
            return "0s";
        }
        if (!d.isNegative() && d.toNanosPart() % 1_000_000 == 0) {
            if (ms % 86_400_000L == 0) {
                return ms / 86_400_000L + "d";
            }
            if (ms % 3_600_000L == 0) {
                return ms / 3_600_000L + "h";
            }
            if (ms % 60_000L == 0) {
                return ms / 60_000L + "m";
            }
            if (ms % 1_000L == 0) {
                return ms / 1_000L + "s";
            }
            return ms + "ms";
        }
        return d.toString();
    }
}
