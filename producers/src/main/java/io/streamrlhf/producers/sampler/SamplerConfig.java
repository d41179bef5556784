package io.streamrlhf.producers.sampler;

import io.streamrlhf.config.ClusterSettings;
import io.streamrlhf.config.Settings;
import io.streamrlhf.producers.config.ProducerKeys;
import io.streamrlhf.trainer.config.TrainerKeys;
import io.streamrlhf.trainer.generate.SamplingConfig;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Settings of the rollout sampler.
 *
 * @param bootstrapServers Kafka bootstrap servers ({@code bootstrap.servers})
 * @param modelId the model family whose versions are followed ({@code trainer.model.id}, default {@code policy})
 * @param groupId consumer group of the prompt consumer ({@code sampler.group.id}, default {@code streamrlhf-sampler})
 * @param transactionalId transactional id of the producer ({@code sampler.transactional.id}, default
 *     {@code streamrlhf-sampler-0}; unique per sampler instance)
 * @param rolloutsPerPrompt completions sampled per prompt, K ({@code sampler.k}, default 4)
 * @param sampling temperature, top-p and max tokens ({@code sampler.temperature} 1.0, {@code sampler.top.p} 0.95,
 *     {@code sampler.max.tokens} 48)
 * @param maxPromptsPerBatch prompts taken per poll and transaction ({@code sampler.batch.prompts}, default 8)
 * @param pollTimeout how long a poll waits for prompts ({@code sampler.poll.timeout}, default 200ms)
 * @param seed random seed for sampling ({@code sampler.seed}, default 7)
 * @param kafkaOverrides Kafka client properties of the sampler's clients ({@code kafka.*}, then
 *     {@code sampler.kafka.*})
 */
public record SamplerConfig(
        String bootstrapServers,
        String modelId,
        String groupId,
        String transactionalId,
        int rolloutsPerPrompt,
        SamplingConfig sampling,
        int maxPromptsPerBatch,
        Duration pollTimeout,
        long seed,
        Map<String, String> kafkaOverrides) {

    public SamplerConfig {
        Objects.requireNonNull(bootstrapServers, "bootstrap.servers");
        Objects.requireNonNull(modelId, "trainer.model.id");
        Objects.requireNonNull(groupId, "sampler.group.id");
        Objects.requireNonNull(transactionalId, "sampler.transactional.id");
        Objects.requireNonNull(sampling, "sampling");
        Objects.requireNonNull(pollTimeout, "pollTimeout");
        kafkaOverrides = Map.copyOf(kafkaOverrides);
        if (rolloutsPerPrompt < 1 || rolloutsPerPrompt > 64) {
            throw new IllegalArgumentException("sampler.k must be 1-64, got " + rolloutsPerPrompt);
        }
        if (maxPromptsPerBatch < 1) {
            throw new IllegalArgumentException("sampler.batch.prompts must be >= 1, got " + maxPromptsPerBatch);
        }
    }

    /** Reads the keys documented on the record, defaulting each. */
    public static SamplerConfig from(Map<String, String> p) {
        return new SamplerConfig(
                ClusterSettings.BOOTSTRAP_SERVERS.get(p),
                TrainerKeys.MODEL_ID.get(p),
                ProducerKeys.SAMPLER_GROUP_ID.get(p),
                ProducerKeys.SAMPLER_TRANSACTIONAL_ID.get(p),
                ProducerKeys.SAMPLER_K.get(p),
                new SamplingConfig(
                        ProducerKeys.SAMPLER_TEMPERATURE.get(p),
                        ProducerKeys.SAMPLER_TOP_P.get(p),
                        ProducerKeys.SAMPLER_MAX_TOKENS.get(p)),
                ProducerKeys.SAMPLER_BATCH_PROMPTS.get(p),
                ProducerKeys.SAMPLER_POLL_TIMEOUT.get(p),
                ProducerKeys.SAMPLER_SEED.get(p),
                Settings.kafkaOverrides(p, "sampler"));
    }
}
