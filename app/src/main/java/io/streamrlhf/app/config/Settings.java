package io.streamrlhf.app.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The one place StreamRLHF reads configuration from. Later layers win: built-in defaults, then a properties
 * file ({@code --config FILE}), then environment variables ({@code STREAMRLHF_BOOTSTRAP_SERVERS} sets
 * {@code bootstrap.servers}: strip the prefix, lower-case, underscores become dots), then {@code --set key=value}
 * options. Components receive the merged map and build their own typed config records from it.
 */
public final class Settings {

    /** Prefix of the environment variables that are read. */
    public static final String ENV_PREFIX = "STREAMRLHF_";

    private final Map<String, String> values;

    private Settings(Map<String, String> values) {
        this.values = Collections.unmodifiableMap(new TreeMap<>(values));
    }

    /** Merges the layers; {@code configFile} may be null. */
    public static Settings load(Path configFile, Map<String, String> environment, Map<String, String> overrides) {
        Map<String, String> merged = new TreeMap<>();
        if (configFile != null) {
            merged.putAll(readFile(configFile));
        }
        environment.forEach((name, value) -> {
            if (name.startsWith(ENV_PREFIX) && name.length() > ENV_PREFIX.length()) {
                merged.put(name.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.'), value);
            }
        });
        merged.putAll(overrides);
        return new Settings(merged);
    }

    /** Settings from a plain map (tests and embedded wiring). */
    public static Settings of(Map<String, String> values) {
        return new Settings(values);
    }

    private static Map<String, String> readFile(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("Config file " + file.toAbsolutePath() + " does not exist");
        }
        Properties props = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            props.load(reader);
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot read config file " + file.toAbsolutePath() + ": " + e.getMessage(), e);
        }
        Map<String, String> map = new TreeMap<>();
        props.stringPropertyNames().forEach(k -> map.put(k, props.getProperty(k).trim()));
        return map;
    }

    /** Every setting, sorted by key. */
    public Map<String, String> asMap() {
        return values;
    }

    /** The value of {@code key}, if set. */
    public Optional<String> get(String key) {
        return Optional.ofNullable(values.get(key));
    }

    /** The value of {@code key}, or {@code fallback}. */
    public String get(String key, String fallback) {
        return values.getOrDefault(key, fallback);
    }

    /** These settings with {@code extra} applied on top. */
    public Settings with(Map<String, String> extra) {
        Map<String, String> merged = new TreeMap<>(values);
        merged.putAll(extra);
        return new Settings(merged);
    }

    /**
     * Settings under {@code prefix}, prefix removed: {@code kafka.security.protocol} becomes
     * {@code security.protocol} for {@code prefix = "kafka."}.
     */
    public Map<String, String> withPrefix(String prefix) {
        Map<String, String> out = new TreeMap<>();
        values.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                out.put(k.substring(prefix.length()), v);
            }
        });
        return out;
    }
}
