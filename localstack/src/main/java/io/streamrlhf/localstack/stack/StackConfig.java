package io.streamrlhf.localstack.stack;

import io.streamrlhf.config.ConfigException;
import io.streamrlhf.localstack.registry.RegistryUser;
import io.streamrlhf.schemas.topic.TopicLayout;
import io.streamrlhf.schemas.topic.TopicNames;
import io.streamrlhf.schemas.topic.TopicSettings;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Settings of the embedded local stack.
 *
 * @param dataDir where the broker's log, checkpoints and caches live ({@code data.dir}, default {@code .streamrlhf})
 * @param kafkaPort the broker's port on loopback, 0 for a free one ({@code broker.port}, default 0)
 * @param registryPort the schema registry's port on loopback, 0 for a free one ({@code registry.port}, default 0)
 * @param registryBindAddress address the registry listens on ({@code registry.bind}, default 127.0.0.1)
 * @param names topic names ({@code topic.*})
 * @param layout partitions, replication and retention ({@code topics.*})
 * @param monitorEventsTopic the streams monitor's events topic ({@code topic.monitor.events}), provisioned too
 * @param registryUsers the registry's users ({@code registry.auth.users}); empty for an open registry
 */
public record StackConfig(
        Path dataDir,
        int kafkaPort,
        int registryPort,
        String registryBindAddress,
        TopicNames names,
        TopicLayout layout,
        String monitorEventsTopic,
        List<RegistryUser> registryUsers) {

    public StackConfig {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(names, "names");
        Objects.requireNonNull(layout, "layout");
        if (kafkaPort < 0 || kafkaPort > 65535) {
            throw new IllegalArgumentException("broker.port must be 0 (any free port) or 1-65535, got " + kafkaPort);
        }
        if (registryPort < 0 || registryPort > 65535) {
            throw new IllegalArgumentException(
                    "registry.port must be 0 (any free port) or 1-65535, got " + registryPort);
        }
        if (registryBindAddress == null || registryBindAddress.isBlank()) {
            throw new IllegalArgumentException("registry.bind must be an address such as 127.0.0.1");
        }
        registryUsers = List.copyOf(Objects.requireNonNull(registryUsers, "registryUsers"));
    }

    /** The same settings with an open registry (no users). */
    public StackConfig(
            Path dataDir,
            int kafkaPort,
            int registryPort,
            String registryBindAddress,
            TopicNames names,
            TopicLayout layout,
            String monitorEventsTopic) {
        this(dataDir, kafkaPort, registryPort, registryBindAddress, names, layout, monitorEventsTopic, List.of());
    }

    /** Reads the stack's settings ({@link StackKeys}, {@code topic.*}, {@code topics.*}), defaulting each. */
    public static StackConfig from(Map<String, String> settings) {
        return new StackConfig(
                Path.of(StackKeys.DATA_DIR.get(settings)),
                StackKeys.BROKER_PORT.get(settings),
                StackKeys.REGISTRY_PORT.get(settings),
                StackKeys.REGISTRY_BIND.get(settings),
                TopicNames.fromProperties(settings),
                TopicLayout.fromProperties(settings),
                TopicSettings.MONITOR_EVENTS.get(settings),
                registryUsers(settings));
    }

    private static List<RegistryUser> registryUsers(Map<String, String> settings) {
        try {
            return RegistryUser.parseList(
                    StackKeys.REGISTRY_AUTH_USERS.find(settings).orElse(""));
        } catch (IllegalArgumentException e) {
            // The message names users and roles only, never a password.
            throw new ConfigException(StackKeys.REGISTRY_AUTH_USERS.name(), e.getMessage(), false);
        }
    }
}
