package io.streamrlhf.localstack.stack;

import io.streamrlhf.schemas.topic.TopicLayout;
import io.streamrlhf.schemas.topic.TopicNames;
import io.streamrlhf.schemas.topic.TopicSettings;
import java.nio.file.Path;
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
 */
public record StackConfig(
        Path dataDir,
        int kafkaPort,
        int registryPort,
        String registryBindAddress,
        TopicNames names,
        TopicLayout layout,
        String monitorEventsTopic) {

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
                TopicSettings.MONITOR_EVENTS.get(settings));
    }
}
