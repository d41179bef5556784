package io.streamrlhf.producers.sampler;

import io.streamrlhf.trainer.generate.SamplingConfig;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Settings of the rollout sampler.
 *
 * @param bootstrapServers Kafka bootstrap servers ({@code bootstrap.servers})
 * @param modelId the model family whose versions are followed ({@code model.id}, default {@code policy})
 * @param groupId consumer group of the prompt consumer ({@code sampler.group.id}, default {@code streamrlhf-sampler})
 * @param transactionalId transactional id of the producer ({@code sampler.transactional.id}, default
 *     {@code streamrlhf-sampler-0}; unique per sampler instance)
 * @param rolloutsPerPrompt completions sampled per prompt, K ({@code sampler.k}, default 4)
 * @param sampling temperature, top-p and max tokens ({@code sampler.temperature} 1.0, {@code sampler.top.p} 0.95,
 *     {@code sampler.max.tokens} 48)
 * @param maxPromptsPerBatch prompts taken per poll and transaction ({@code sampler.batch.prompts}, default 8)
 * @param pollTimeout how long a poll waits for prompts ({@code sampler.poll.ms}, default 200)
 * @param seed random seed for sampling ({@code sampler.seed}, default 7)
 */
public record SamplerConfig(String bootstrapServers, String modelId, String groupId, String transactionalId,
                            int rolloutsPerPrompt, SamplingConfig sampling, int maxPromptsPerBatch,
                            Duration pollTimeout, long seed) {

    public SamplerConfig {
        Objects.requireNonNull(bootstrapServers, "bootstrap.servers");
        Objects.requireNonNull(modelId, "model.id");
        Objects.requireNonNull(groupId, "sampler.group.id");
        Objects.requireNonNull(transactionalId, "sampler.transactional.id");
        Objects.requireNonNull(sampling, "sampling");
        Objects.requireNonNull(pollTimeout, "pollTimeout");
        if (rolloutsPerPrompt < 1 || rolloutsPerPrompt > 64) {
            throw new IllegalArgumentException("sampler.k must be 1-64, got " + rolloutsPerPrompt);
        }
        if (maxPromptsPerBatch < 1) {
            throw new IllegalArgumentException("sampler.batch.prompts must be >= 1, got " + maxPromptsPerBatch);
        }
    }

    /** Reads the keys documented on the record, defaulting each. */
    public static SamplerConfig from(Map<String, String> p) {
        try {
            return new SamplerConfig(
                    p.getOrDefault("bootstrap.servers", "127.0.0.1:9092"),
                    p.getOrDefault("model.id", "policy"),
                    p.getOrDefault("sampler.group.id", "streamrlhf-sampler"),
                    p.getOrDefault("sampler.transactional.id", "streamrlhf-sampler-0"),
                    Integer.parseInt(p.getOrDefault("sampler.k", "4")),
                    new SamplingConfig(Double.parseDouble(p.getOrDefault("sampler.temperature", "1.0")),
                            Double.parseDouble(p.getOrDefault("sampler.top.p", "0.95")),
                            Integer.parseInt(p.getOrDefault("sampler.max.tokens", "48"))),
                    Integer.parseInt(p.getOrDefault("sampler.batch.prompts", "8")),
                    Duration.ofMillis(Long.parseLong(p.getOrDefault("sampler.poll.ms", "200"))),
                    Long.parseLong(p.getOrDefault("sampler.seed", "7")));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Bad sampler.* setting: " + e.getMessage(), e);
        }
    }
}
