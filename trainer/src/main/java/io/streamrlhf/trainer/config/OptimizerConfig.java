package io.streamrlhf.trainer.config;

/**
 * AdamW with global-norm clipping and linear warm-up.
 *
 * @param learningRate peak learning rate (default 1e-3, tiny models tolerate it)
 * @param beta1 first-moment decay (default 0.9)
 * @param beta2 second-moment decay (default 0.999)
 * @param epsilon denominator epsilon (default 1e-8)
 * @param weightDecay decoupled weight decay, applied to matrices only (default 0.01)
 * @param maxGradNorm global gradient-norm clip; 0 disables clipping (default 1.0)
 * @param warmupSteps steps of linear warm-up from 0 to the peak rate (default 10)
 */
public record OptimizerConfig(
        double learningRate,
        double beta1,
        double beta2,
        double epsilon,
        double weightDecay,
        double maxGradNorm,
        int warmupSteps) {

    /** Validates ranges, naming the bad value. */
    public OptimizerConfig {
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learningRate must be positive, was " + learningRate);
        }
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("beta1 and beta2 must be in [0, 1), were " + beta1 + " and " + beta2);
        }
        if (!(epsilon > 0)) {
            throw new IllegalArgumentException("epsilon must be positive, was " + epsilon);
        }
        if (!(weightDecay >= 0) || !(maxGradNorm >= 0)) {
            throw new IllegalArgumentException(
                    "weightDecay and maxGradNorm must be >= 0, were " + weightDecay + " and " + maxGradNorm);
        }
        if (warmupSteps < 0) {
            throw new IllegalArgumentException("warmupSteps must be >= 0, was " + warmupSteps);
        }
    }

    /** The defaults listed above. */
    public static OptimizerConfig defaults() {
        return new OptimizerConfig(1e-3, 0.9, 0.999, 1e-8, 0.01, 1.0, 10);
    }

    /** This config with another peak rate and warm-up. */
    public OptimizerConfig withSchedule(double newLearningRate, int newWarmupSteps) {
        return new OptimizerConfig(newLearningRate, beta1, beta2, epsilon, weightDecay, maxGradNorm, newWarmupSteps);
    }

    /** Learning rate at 1-based optimizer step {@code step}: linear warm-up, then constant. */
    public double learningRateAt(long step) {
        if (warmupSteps == 0 || step >= warmupSteps) {
            return learningRate;
        }
        return learningRate * Math.max(1, step) / warmupSteps;
    }
}
