package io.streamrlhf.producers.config;

import io.streamrlhf.producers.tasks.ArithmeticTask;
import java.util.Map;
import java.util.Objects;

/**
 * Settings of the prompt source that feeds the sampler.
 *
 * <p>Properties: {@code prompts.rate.per.second} (default 2.0), {@code prompts.arithmetic.share} (0.5),
 * {@code prompts.max.operand} (20), {@code prompts.seed} (7), {@code prompts.max.count} (0 = unbounded), and
 * those of {@link ClientConfig} (client id default {@code streamrlhf-prompts}).
 *
 * @param ratePerSecond prompts emitted per second
 * @param arithmeticShare fraction of arithmetic prompts (the rest are chat)
 * @param maxOperand largest arithmetic operand
 * @param seed seed of the prompt draw
 * @param maxCount stop after this many prompts; 0 for no limit
 * @param client producer settings
 */
public record PromptSourceConfig(
        double ratePerSecond, double arithmeticShare, int maxOperand, long seed, long maxCount, ClientConfig client) {

    /** Validates every field; fails fast naming the bad value and the fix. */
    public PromptSourceConfig {
        Objects.requireNonNull(client, "client");
        if (!(ratePerSecond > 0 && ratePerSecond <= 100_000)) {
            throw new IllegalArgumentException("prompts.rate.per.second must be in (0, 100000], was " + ratePerSecond);
        }
        if (!(arithmeticShare >= 0 && arithmeticShare <= 1)) {
            throw new IllegalArgumentException("prompts.arithmetic.share must be in [0, 1], was " + arithmeticShare);
        }
        if (maxOperand < 1) {
            throw new IllegalArgumentException("prompts.max.operand must be >= 1, was " + maxOperand);
        }
        if (maxCount < 0) {
            throw new IllegalArgumentException("prompts.max.count must be >= 0 (0 = unbounded), was " + maxCount);
        }
    }

    /** Defaults on {@code connection}. */
    public static PromptSourceConfig defaults(KafkaConnection connection) {
        return new PromptSourceConfig(
                2.0,
                0.5,
                ArithmeticTask.DEFAULT_MAX_OPERAND,
                7,
                0,
                ClientConfig.defaults(connection).withClientId("streamrlhf-prompts"));
    }

    /** Reads the settings from properties, each defaulting to {@link #defaults}. */
    public static PromptSourceConfig fromProperties(Map<String, String> props) {
        PromptSourceConfig d = defaults(KafkaConnection.fromProperties(props, "prompts"));
        return new PromptSourceConfig(
                ProducerKeys.PROMPTS_RATE_PER_SECOND.get(props),
                ProducerKeys.PROMPTS_ARITHMETIC_SHARE.get(props),
                ProducerKeys.PROMPTS_MAX_OPERAND.get(props),
                ProducerKeys.PROMPTS_SEED.get(props),
                ProducerKeys.PROMPTS_MAX_COUNT.get(props),
                ClientConfig.fromProperties(props, d.client));
    }
}
