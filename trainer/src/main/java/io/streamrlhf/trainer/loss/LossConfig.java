package io.streamrlhf.trainer.loss;

/**
 * Hyper-parameters of a preference loss (names follow TRL's configs).
 *
 * @param type which loss
 * @param beta β: DPO/IPO/hinge/KTO/SimPO temperature (default 0.1); unused by ORPO (see lambda)
 * @param labelSmoothing ε of conservative DPO and SimPO, in [0, 0.5) (default 0)
 * @param simpoGamma SimPO target margin γ, absolute: the loss is −log σ(β·Δavg − γ) (default 0.5)
 * @param lambda ORPO's odds-ratio weight (TRL's ORPO {@code beta}) or CODPO's NLL weight (default 0.1)
 * @param desirableWeight KTO λ_D (default 1)
 * @param undesirableWeight KTO λ_U (default 1)
 */
public record LossConfig(
        LossType type,
        double beta,
        double labelSmoothing,
        double simpoGamma,
        double lambda,
        double desirableWeight,
        double undesirableWeight) {

    /** Validates ranges, naming the bad value. */
    public LossConfig {
        if (type == null) {
            throw new IllegalArgumentException("loss type must be set, e.g. DPO_SIGMOID or KTO");
        }
        if (!(beta > 0) || Double.isInfinite(beta)) {
            throw new IllegalArgumentException("beta must be a positive number, was " + beta);
        }
        if (!(labelSmoothing >= 0 && labelSmoothing < 0.5)) {
            throw new IllegalArgumentException("labelSmoothing must be in [0, 0.5), was " + labelSmoothing);
        }
        if (!(simpoGamma >= 0) || !(lambda >= 0)) {
            throw new IllegalArgumentException(
                    "simpoGamma and lambda must be >= 0, were " + simpoGamma + " and " + lambda);
        }
        if (!(desirableWeight >= 0) || !(undesirableWeight >= 0)) {
            throw new IllegalArgumentException(
                    "KTO weights must be >= 0, were " + desirableWeight + " and " + undesirableWeight);
        }
    }

    /** TRL-like defaults for the given loss. */
    public static LossConfig defaults(LossType type) {
        return new LossConfig(type, 0.1, 0.0, 0.5, 0.1, 1.0, 1.0);
    }

    /** This config with another β. */
    public LossConfig withBeta(double newBeta) {
        return new LossConfig(type, newBeta, labelSmoothing, simpoGamma, lambda, desirableWeight, undesirableWeight);
    }
}
