package io.streamrlhf.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The effective settings of one process, each value with where it came from. Later layers win: built-in
 * defaults (held by each {@link Setting}), then a properties file ({@code --config FILE}), then
 * {@code STREAMRLHF_*} environment variables ({@code STREAMRLHF_A_B=v} sets {@code a.b}), then
 * {@code --set key=value}. Variables starting with {@value #LAUNCHER_ENV_PREFIX} belong to the launcher script
 * and are never read as settings.
 */
public final class Settings {

    /** Prefix of the environment variables read as settings. */
    public static final String ENV_PREFIX = "STREAMRLHF_";
    /** Prefix reserved for the launcher's own variables ({@code STREAMRLHF_LAUNCHER_JAVA_OPTS}). */
    public static final String LAUNCHER_ENV_PREFIX = "STREAMRLHF_LAUNCHER_";

    /** One effective value and its source ({@code --set}, {@code env STREAMRLHF_X}, {@code file F}, ...). */
    public record Value(String text, String source) {}

    private final Map<String, Value> values;

    private Settings(Map<String, Value> values) {
        this.values = Collections.unmodifiableMap(new TreeMap<>(values));
    }

    /**
     * Merges the layers.
     *
     * @param configFile properties file, or null
     * @param environment the process environment
     * @param overrides {@code --set} values
     */
    public static Settings load(Path configFile, Map<String, String> environment, Map<String, String> overrides) {
        Map<String, Value> merged = new TreeMap<>();
        if (configFile != null) {
            String source = "file " + configFile;
            readFile(configFile).forEach((k, v) -> merged.put(k, new Value(v, source)));
        }
        new TreeMap<>(environment).forEach((name, value) -> {
            if (name.startsWith(ENV_PREFIX)
                    && !name.startsWith(LAUNCHER_ENV_PREFIX)
                    && name.length() > ENV_PREFIX.length()) {
                merged.put(keyOfEnv(name), new Value(value, "env " + name));
            }
        });
        overrides.forEach((k, v) -> merged.put(k, new Value(v, "--set")));
        return new Settings(merged);
    }

    /** Settings from a plain map (tests and embedded wiring); {@code source} names where they came from. */
    public static Settings of(Map<String, String> values, String source) {
        Map<String, Value> map = new TreeMap<>();
        values.forEach((k, v) -> map.put(k, new Value(v, source)));
        return new Settings(map);
    }

    /** Settings from a plain map, with source {@code code}. */
    public static Settings of(Map<String, String> values) {
        return of(values, "code");
    }

    /** The environment variable that sets {@code key}: {@code a.b} is {@code STREAMRLHF_A_B}. */
    public static String envName(String key) {
        return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_');
    }

    /** The key an environment variable sets: {@code STREAMRLHF_A_B} is {@code a.b}. */
    public static String keyOfEnv(String variable) {
        return variable.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.');
    }

    private static Map<String, String> readFile(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new ConfigException("--config", "Config file " + file.toAbsolutePath() + " does not exist");
        }
        Properties props = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            props.load(reader);
        } catch (IOException | IllegalArgumentException e) {
            throw new ConfigException(
                    "--config", "Cannot read config file " + file.toAbsolutePath() + ": " + e.getMessage());
        }
        Map<String, String> map = new TreeMap<>();
        props.stringPropertyNames().forEach(k -> map.put(k, props.getProperty(k).trim()));
        return map;
    }

    /** Every explicitly set key and its text, sorted by key. */
    public Map<String, String> asMap() {
        Map<String, String> out = new TreeMap<>();
        values.forEach((k, v) -> out.put(k, v.text()));
        return out;
    }

    /** Every explicitly set key with its value and source, sorted by key. */
    public Map<String, Value> values() {
        return values;
    }

    /** The text of {@code key}, if set. */
    public Optional<String> get(String key) {
        return Optional.ofNullable(values.get(key)).map(Value::text);
    }

    /** The text of {@code key}, or {@code fallback}. */
    public String get(String key, String fallback) {
        return get(key).orElse(fallback);
    }

    /** These settings with {@code extra} applied on top, recorded with {@code source}. */
    public Settings with(Map<String, String> extra, String source) {
        Map<String, Value> merged = new LinkedHashMap<>(values);
        extra.forEach((k, v) -> merged.put(k, new Value(v, source)));
        return new Settings(merged);
    }

    /** These settings with {@code defaults} filled in where a key is unset, recorded with {@code source}. */
    public Settings withDefaults(Map<String, String> defaults, String source) {
        Map<String, Value> merged = new LinkedHashMap<>();
        defaults.forEach((k, v) -> merged.put(k, new Value(v, source)));
        merged.putAll(values);
        return new Settings(merged);
    }

    /** These settings with {@code extra} applied on top (source {@code code}). */
    public Settings with(Map<String, String> extra) {
        return with(extra, "code");
    }

    /** Settings under {@code prefix}, prefix removed ({@code kafka.acks} is {@code acks} under {@code kafka.}). */
    public Map<String, String> withPrefix(String prefix) {
        return withPrefix(asMap(), prefix);
    }

    /** Entries of {@code map} under {@code prefix}, prefix removed. */
    public static Map<String, String> withPrefix(Map<String, String> map, String prefix) {
        Map<String, String> out = new TreeMap<>();
        map.forEach((k, v) -> {
            if (k.startsWith(prefix) && k.length() > prefix.length()) {
                out.put(k.substring(prefix.length()), v);
            }
        });
        return out;
    }

    /**
     * The Kafka client overrides of one component: {@code kafka.*}, then {@code <component>.kafka.*} over
     * them, prefixes removed. Components that share a JVM can so use their own credentials.
     */
    public static Map<String, String> kafkaOverrides(Map<String, String> map, String component) {
        Map<String, String> out = withPrefix(map, KafkaKeys.PREFIX);
        out.putAll(withPrefix(map, component + "." + KafkaKeys.PREFIX));
        return out;
    }
}
