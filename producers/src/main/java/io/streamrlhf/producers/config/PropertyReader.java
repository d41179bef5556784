package io.streamrlhf.producers.config;

import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Typed reads over flat string properties, failing fast with the key, the bad value and the expected form.
 * Every config factory in this module reads through one of these, so properties files, {@code --config}
 * files and {@code STREAMRLHF_*} environment variables behave the same.
 */
public final class PropertyReader {

    /** Prefix of environment variables that map to properties ({@code STREAMRLHF_GATEWAY_PORT → gateway.port}). */
    public static final String ENV_PREFIX = "STREAMRLHF_";

    private final Map<String, String> props;

    /** Reads {@code props} (copied). */
    public PropertyReader(Map<String, String> props) {
        this.props = Map.copyOf(Objects.requireNonNull(props, "props"));
    }

    /**
     * Properties from environment variables: {@code STREAMRLHF_A_B_C=v} becomes {@code a.b.c=v}; other
     * variables are ignored.
     */
    public static Map<String, String> fromEnvironment(Map<String, String> env) {
        Map<String, String> out = new HashMap<>();
        env.forEach((k, v) -> {
            if (k.startsWith(ENV_PREFIX) && k.length() > ENV_PREFIX.length()) {
                out.put(k.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.'), v);
            }
        });
        return out;
    }

    /** The raw properties. */
    public Map<String, String> asMap() {
        return props;
    }

    /** Every property under {@code prefix}, with the prefix removed (sorted, for stable logs). */
    public Map<String, String> withPrefix(String prefix) {
        Map<String, String> out = new TreeMap<>();
        props.forEach((k, v) -> {
            if (k.startsWith(prefix) && k.length() > prefix.length()) {
                out.put(k.substring(prefix.length()), v);
            }
        });
        return out;
    }

    /** The trimmed value of {@code key}, or {@code defaultValue} when absent or blank. */
    public String string(String key, String defaultValue) {
        String value = props.get(key);
        return value == null || value.isBlank() ? defaultValue : value.trim();
    }

    /** The integer value of {@code key}, or {@code defaultValue} when absent. */
    public int integer(String key, int defaultValue) {
        return parse(key, defaultValue, Integer::parseInt, "an integer");
    }

    /** The long value of {@code key}, or {@code defaultValue} when absent. */
    public long longValue(String key, long defaultValue) {
        return parse(key, defaultValue, Long::parseLong, "an integer");
    }

    /** The decimal value of {@code key}, or {@code defaultValue} when absent. */
    public double decimal(String key, double defaultValue) {
        return parse(key, defaultValue, Double::parseDouble, "a number");
    }

    /** The boolean value of {@code key} (true/false, yes/no, on/off), or {@code defaultValue} when absent. */
    public boolean bool(String key, boolean defaultValue) {
        return parse(key, defaultValue, v -> switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw new IllegalArgumentException(v);
        }, "true or false");
    }

    /** A duration in milliseconds ({@code 1500}) or ISO-8601 ({@code PT1.5S}). */
    public Duration duration(String key, Duration defaultValue) {
        return parse(key, defaultValue,
                v -> v.startsWith("P") || v.startsWith("p") ? Duration.parse(v) : Duration.ofMillis(Long.parseLong(v)),
                "milliseconds or an ISO-8601 duration such as PT5S");
    }

    /** A comma-separated list, blanks dropped. */
    public Set<String> set(String key, Set<String> defaultValue) {
        String value = props.get(key);
        if (value == null || value.isBlank()) {
            return defaultValue;
        }
        return Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .collect(Collectors.toUnmodifiableSet());
    }

    /** An enum constant, case-insensitive. */
    public <E extends Enum<E>> E enumValue(String key, Class<E> type, E defaultValue) {
        return parse(key, defaultValue, v -> Enum.valueOf(type, v.toUpperCase(Locale.ROOT).replace('-', '_')),
                "one of " + Arrays.toString(type.getEnumConstants()));
    }

    private <T> T parse(String key, T defaultValue, Function<String, T> parser, String expected) {
        String value = props.get(key);
        if (value == null || value.isBlank()) {
            return defaultValue;
        }
        try {
            return parser.apply(value.trim());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("Invalid value '" + value + "' for " + key + ": expected " + expected
                    + " (default " + defaultValue + ")", e);
        }
    }
}
