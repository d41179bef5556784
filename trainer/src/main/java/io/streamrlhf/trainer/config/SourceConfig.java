package io.streamrlhf.trainer.config;

import io.streamrlhf.trainer.loss.LossConfig;

/**
 * One example source of the online loop (CGPO-style mixture: each source has its own loss, weight
 * and micro-batch size).
 *
 * @param name source name used in metric keys ({@code kto}, {@code dpo})
 * @param enabled whether the source's topic is consumed at all (default true)
 * @param loss the loss for this source (KTO for {@code kto}, a paired loss for {@code dpo})
 * @param weight multiplier of this source's loss in the summed objective (default 1)
 * @param batchSize micro-batch size (default 8)
 * @param klCoef weight of a per-token KL penalty toward the reference on this source's completions
 *     (GRPO's k3 estimator, {@code exp(ref − π) − (ref − π) − 1}, averaged over each completion's
 *     tokens, then over the batch); 0 (the default) is the plain TRL loss
 */
public record SourceConfig(String name, boolean enabled, LossConfig loss, double weight, int batchSize, double klCoef) {

    /** A source without the KL penalty. */
    public SourceConfig(String name, boolean enabled, LossConfig loss, double weight, int batchSize) {
        this(name, enabled, loss, weight, batchSize, 0.0);
    }

    /** Validates ranges. */
    public SourceConfig {
        if (name == null || !name.matches("[a-z0-9_]+")) {
            throw new IllegalArgumentException("source name must be [a-z0-9_]+, was " + name);
        }
        if (loss == null) {
            throw new IllegalArgumentException("source " + name + " needs a loss");
        }
        if (!(weight >= 0) || Double.isInfinite(weight)) {
            throw new IllegalArgumentException("source " + name + " weight must be >= 0, was " + weight);
        }
        if (!(klCoef >= 0) || Double.isInfinite(klCoef)) {
            throw new IllegalArgumentException("source " + name + " kl.coef must be >= 0, was " + klCoef);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("source " + name + " batchSize must be >= 1, was " + batchSize);
        }
    }
}
