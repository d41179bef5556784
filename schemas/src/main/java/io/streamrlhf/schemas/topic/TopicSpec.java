package io.streamrlhf.schemas.topic;

import java.util.Map;
import java.util.Objects;

/**
 * How a topic should be created: partitions, replication and topic-level configs (retention, cleanup policy).
 *
 * @param name topic name
 * @param partitions number of partitions, at least 1
 * @param replicationFactor replicas per partition, at least 1
 * @param configs topic configs such as {@code retention.ms} or {@code cleanup.policy}
 */
public record TopicSpec(String name, int partitions, short replicationFactor, Map<String, String> configs) {
    public TopicSpec {
        Objects.requireNonNull(name, "name");
        if (partitions < 1) {
            throw new IllegalArgumentException("Topic " + name + ": partitions must be >= 1, got " + partitions);
        }
        if (replicationFactor < 1) {
            throw new IllegalArgumentException("Topic " + name + ": replication factor must be >= 1, got "
                    + replicationFactor + " (use 1 on a single-broker cluster)");
        }
        configs = Map.copyOf(configs);
    }
}
