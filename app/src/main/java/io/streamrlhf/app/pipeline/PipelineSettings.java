package io.streamrlhf.app.pipeline;

import io.streamrlhf.app.config.Settings;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Fans the stack-wide settings out to the keys each component reads, so that a user sets
 * {@code bootstrap.servers}, {@code schema.registry.url} and {@code data.dir} once. A component-specific key
 * that is set explicitly always wins.
 */
public final class PipelineSettings {

    private PipelineSettings() {
    }

    /**
     * The merged map for every component.
     *
     * @param settings what the user configured
     * @param bootstrapServers the Kafka cluster
     * @param registryUrl the schema registry
     * @param dataDir where checkpoints and local state live
     */
    public static Map<String, String> resolve(Settings settings, String bootstrapServers, String registryUrl,
                                              Path dataDir) {
        Map<String, String> derived = new HashMap<>();
        derived.put("bootstrap.servers", bootstrapServers);
        derived.put("schema.registry.url", registryUrl);
        derived.put("kafka.bootstrap.servers", bootstrapServers);
        derived.put("streams.bootstrapServers", bootstrapServers);
        derived.put("streams.stateDir", dataDir.resolve("streams-state").toString());
        derived.put("trainer.checkpoint.dir", dataDir.resolve("checkpoints").toString());
        Map<String, String> merged = new HashMap<>(derived);
        merged.putAll(settings.asMap());
        // The connection itself must agree everywhere, even if only the generic key was given.
        merged.put("kafka.bootstrap.servers", bootstrapServers);
        merged.put("streams.bootstrapServers", settings.get("streams.bootstrapServers", bootstrapServers));
        merged.put("bootstrap.servers", bootstrapServers);
        merged.put("schema.registry.url", registryUrl);
        return merged;
    }
}
