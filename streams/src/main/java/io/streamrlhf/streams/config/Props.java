package io.streamrlhf.streams.config;

import java.time.Duration;
import java.util.Map;

/** Typed reads from a string property map, each failing with the key and the expected form. */
final class Props {

    private final Map<String, String> map;

    Props(Map<String, String> map) {
        this.map = Map.copyOf(map);
    }

    String string(String key, String defaultValue) {
        String v = map.get(key);
        return v == null || v.isBlank() ? defaultValue : v.trim();
    }

    int integer(String key, int defaultValue) {
        String v = map.get(key);
        if (v == null || v.isBlank()) {
            return defaultValue;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Property " + key + "='" + v + "' is not an integer", e);
        }
    }

    double decimal(String key, double defaultValue) {
        String v = map.get(key);
        if (v == null || v.isBlank()) {
            return defaultValue;
        }
        try {
            return Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Property " + key + "='" + v + "' is not a number", e);
        }
    }

    boolean bool(String key, boolean defaultValue) {
        String v = map.get(key);
        if (v == null || v.isBlank()) {
            return defaultValue;
        }
        return switch (v.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "true", "yes", "1" -> true;
            case "false", "no", "0" -> false;
            default -> throw new IllegalArgumentException("Property " + key + "='" + v + "' is not true or false");
        };
    }

    Duration duration(String key, Duration defaultValue) {
        String v = map.get(key);
        return v == null || v.isBlank() ? defaultValue : Durations.parse(key, v);
    }

    Map<String, String> withPrefix(String prefix) {
        java.util.Map<String, String> out = new java.util.TreeMap<>();
        map.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                out.put(k.substring(prefix.length()), v);
            }
        });
        return out;
    }

    Map<String, String> raw() {
        return map;
    }
}
