package io.streamrlhf.config;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Every key a process accepts: the documented {@link Setting}s of each module, plus the open Kafka client
 * passthrough ({@code kafka.*}, {@code <component>.kafka.*}) checked against the client config names the
 * caller supplies. {@link #check} turns a mistyped key into an error that suggests the closest known key.
 */
public final class KeyCatalog {

    private final Map<String, Setting<?>> settings = new TreeMap<>();
    private final Set<String> kafkaConfigNames;

    /**
     * @param settings every documented key
     * @param kafkaConfigNames the client configs Kafka itself defines (producer, consumer, admin, streams)
     */
    public KeyCatalog(Collection<? extends Setting<?>> settings, Collection<String> kafkaConfigNames) {
        for (Setting<?> s : settings) {
            Setting<?> previous = this.settings.putIfAbsent(s.name(), s);
            if (previous != null && previous != s) {
                throw new IllegalArgumentException("Setting " + s.name() + " is defined twice");
            }
        }
        this.kafkaConfigNames = new TreeSet<>(kafkaConfigNames);
    }

    /** The documented settings, sorted by name. */
    public List<Setting<?>> settings() {
        return new ArrayList<>(settings.values());
    }

    /** The setting called {@code name}, if documented. */
    public Optional<Setting<?>> find(String name) {
        return Optional.ofNullable(settings.get(name));
    }

    /** Whether {@code key} is a documented setting or a valid Kafka passthrough key. */
    public boolean isKnown(String key) {
        return settings.containsKey(key)
                || isRegistryOverride(key)
                || settings.values().stream()
                        .anyMatch(s -> s.isFamily()
                                && key.startsWith(s.prefix())
                                && key.length() > s.prefix().length())
                || kafkaPassthrough(key)
                        .map(n -> kafkaConfigNames.contains(n) && !settings.containsKey(n))
                        .orElse(false);
    }

    /** Whether values of {@code key} are masked when printed. */
    public boolean isSecret(String key) {
        Setting<?> s = settings.get(key);
        return s != null ? s.isSecret() : Secrets.isSecret(key);
    }

    /**
     * Fails on the first (in key order) unknown key of {@code effective}, or the first value that does not
     * parse, naming the key, its source and the closest known key.
     */
    public void check(Settings effective) {
        effective.values().forEach((key, value) -> {
            if (!isKnown(key)) {
                throw unknown(key, value.source());
            }
            Setting<?> s = settings.get(key);
            if (s != null && !s.isFamily()) {
                s.find(effective.asMap());
            }
        });
    }

    private ConfigException unknown(String key, String source) {
        Optional<String> passthrough = kafkaPassthrough(key);
        if (passthrough.isPresent() && settings.containsKey(passthrough.get())) {
            // One key per setting: the cluster address is bootstrap.servers for every client, never kafka.*.
            return new ConfigException(
                    key,
                    "Setting " + key + " (from " + source + ") duplicates " + passthrough.get()
                            + ", which every component reads; set " + passthrough.get() + " instead",
                    false);
        }
        Optional<String> suggestion = passthrough.isPresent()
                ? Suggestions.closest(passthrough.get(), kafkaConfigNames)
                        .map(n -> key.substring(
                                        0, key.length() - passthrough.get().length())
                                + n)
                : Suggestions.closest(key, settings.keySet());
        String message = passthrough.isPresent()
                ? "Unknown Kafka client setting " + key + " (from " + source + "): " + passthrough.get()
                        + " is not a producer, consumer, admin or streams config"
                : "Unknown setting " + key + " (from " + source + ")";
        return new ConfigException(
                key,
                message + suggestion.map(s -> "; did you mean " + s + "?").orElse("")
                        + " (see docs/configuration.md for every key)",
                false);
    }

    /** Whether {@code key} is {@code <component>.<key>} for a registry key a component may set for itself. */
    private static boolean isRegistryOverride(String key) {
        return KafkaKeys.COMPONENTS.stream()
                .anyMatch(c -> ClusterSettings.REGISTRY_COMPONENT_OVERRIDES.stream()
                        .anyMatch(s -> key.equals(c + "." + s.name())));
    }

    /** For {@code kafka.x} or {@code <component>.kafka.x}, the client config name {@code x}. */
    private static Optional<String> kafkaPassthrough(String key) {
        if (key.startsWith(KafkaKeys.PREFIX)) {
            return Optional.of(key.substring(KafkaKeys.PREFIX.length()));
        }
        for (String component : KafkaKeys.COMPONENTS) {
            String prefix = component + "." + KafkaKeys.PREFIX;
            if (key.startsWith(prefix)) {
                return Optional.of(key.substring(prefix.length()));
            }
        }
        return Optional.empty();
    }
}
