package io.streamrlhf.app.pipeline;

import io.streamrlhf.config.ClusterSettings;
import io.streamrlhf.config.Settings;
import io.streamrlhf.streams.config.StreamsKeys;
import io.streamrlhf.trainer.config.TrainerKeys;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Completes what the user configured with what the process knows: the cluster and registry every component
 * uses ({@code bootstrap.servers}, {@code schema.registry.url}; the embedded ones for demo and up), and the
 * folders under {@code data.dir} where Kafka Streams state and checkpoints go unless set explicitly.
 */
public final class PipelineSettings {

    private PipelineSettings() {}

    /**
     * The settings map every component reads.
     *
     * @param settings what the user configured
     * @param bootstrapServers the Kafka cluster
     * @param registryUrl the schema registry
     * @param dataDir where checkpoints and local state live
     */
    public static Map<String, String> resolve(
            Settings settings, String bootstrapServers, String registryUrl, Path dataDir) {
        Map<String, String> merged = new HashMap<>();
        merged.put(
                StreamsKeys.STATE_DIR.name(), dataDir.resolve("streams-state").toString());
        merged.put(
                TrainerKeys.CHECKPOINT_DIR.name(),
                dataDir.resolve("checkpoints").toString());
        merged.putAll(settings.asMap());
        merged.put(ClusterSettings.BOOTSTRAP_SERVERS.name(), bootstrapServers);
        merged.put(ClusterSettings.SCHEMA_REGISTRY_URL.name(), registryUrl);
        return merged;
    }
}
