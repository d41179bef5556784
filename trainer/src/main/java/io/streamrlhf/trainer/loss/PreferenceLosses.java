package io.streamrlhf.trainer.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Activation;
import io.streamrlhf.trainer.model.Scalars;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The preference losses as pure functions over per-sequence log-probs, following Hugging Face
 * TRL's definitions (DPOTrainer, KTOTrainer, CPOTrainer, ORPOTrainer).
 *
 * <p>Every loss is a weighted mean over the batch: {@code Σ w_i·ℓ_i / B}; with unit weights that is
 * TRL's {@code losses.mean()}. Rewards in the metrics are detached, as in TRL.
 */
public final class PreferenceLosses {

    private PreferenceLosses() {}

    /** Dispatches a paired loss ({@link LossType#paired()}). */
    public static LossOutput paired(LossConfig config, PairedLogps in) {
        return switch (config.type()) {
            case DPO_SIGMOID, HINGE, CODPO -> dpoFamily(config, in, false);
            case IPO -> dpoFamily(config, in, true);
            case SIMPO -> simpo(config, in);
            case ORPO -> orpo(config, in);
            case KTO -> throw new IllegalArgumentException("KTO is unpaired; call kto(...)");
        };
    }

    /**
     * DPO sigmoid, IPO, hinge and CODPO. With {@code h = (π_w − π_l) − (ref_w − ref_l)}:
     * <ul>
     *   <li>DPO: {@code −(1−ε)·log σ(βh) − ε·log σ(−βh)}</li>
     *   <li>IPO: log-probs averaged over completion tokens first, then {@code (h − 1/(2β))²}</li>
     *   <li>hinge: {@code relu(1 − βh)}</li>
     *   <li>CODPO: DPO plus {@code λ · (−π_w / |y_w|)}</li>
     * </ul>
     */
    private static LossOutput dpoFamily(LossConfig config, PairedLogps in, boolean lengthNormalise) {
        double beta = config.beta();
        NDArray chosen = in.policyChosen();
        NDArray rejected = in.policyRejected();
        NDArray refChosen = in.referenceChosen();
        NDArray refRejected = in.referenceRejected();
        if (lengthNormalise) {
            chosen = chosen.div(in.chosenTokens().maximum(1f));
            rejected = rejected.div(in.rejectedTokens().maximum(1f));
            refChosen = refChosen.div(in.chosenTokens().maximum(1f));
            refRejected = refRejected.div(in.rejectedTokens().maximum(1f));
        }
        NDArray chosenRatio = chosen.sub(refChosen);
        NDArray rejectedRatio = rejected.sub(refRejected);
        NDArray logits = chosenRatio.sub(rejectedRatio);
        NDArray losses;
        Map<String, Double> extra = new LinkedHashMap<>();
        switch (config.type()) {
            case IPO -> losses = logits.sub(1.0 / (2.0 * beta)).square();
            case HINGE -> losses = Activation.relu(Scalars.mul(logits, -beta).add(1.0));
            default -> {
                double eps = config.labelSmoothing();
                losses = Scalars.mul(logSigmoid(Scalars.mul(logits, beta)), -(1 - eps))
                        .sub(Scalars.mul(logSigmoid(Scalars.mul(logits, -beta)), eps));
                if (config.type() == LossType.CODPO) {
                    NDArray nll = in.policyChosen().neg().div(in.chosenTokens().maximum(1f));
                    extra.put("nll_loss", mean(nll));
                    losses = losses.add(Scalars.mul(nll, config.lambda()));
                }
            }
        }
        NDArray loss = weightedMean(losses, in.weights());
        Map<String, Double> metrics = rewardMetrics(chosenRatio.mul(beta), rejectedRatio.mul(beta));
        metrics.put("logps/chosen", mean(in.policyChosen()));
        metrics.put("logps/rejected", mean(in.policyRejected()));
        metrics.putAll(extra);
        return new LossOutput(loss, metrics);
    }

    /**
     * SimPO: {@code −(1−ε)·log σ(βΔ − γ) − ε·log σ(−(βΔ − γ))} with {@code Δ} the difference of
     * length-averaged policy log-probs. γ is absolute; TRL's CPO trainer writes the same quantity as
     * {@code β·(Δ − γ/β)}. No NLL term (TRL {@code cpo_alpha=0}), no reference.
     */
    private static LossOutput simpo(LossConfig config, PairedLogps in) {
        double beta = config.beta();
        double eps = config.labelSmoothing();
        NDArray chosenAvg = in.policyChosen().div(in.chosenTokens().maximum(1f));
        NDArray rejectedAvg = in.policyRejected().div(in.rejectedTokens().maximum(1f));
        NDArray scaled = Scalars.mul(chosenAvg.sub(rejectedAvg), beta).sub(config.simpoGamma());
        NDArray losses = Scalars.mul(logSigmoid(scaled), -(1 - eps)).sub(Scalars.mul(logSigmoid(scaled.neg()), eps));
        Map<String, Double> metrics = rewardMetrics(chosenAvg.mul(beta), rejectedAvg.mul(beta));
        metrics.put("logps/chosen", mean(in.policyChosen()));
        metrics.put("logps/rejected", mean(in.policyRejected()));
        return new LossOutput(weightedMean(losses, in.weights()), metrics);
    }

    /**
     * ORPO: {@code NLL(y_w) − λ·mean(log σ(log-odds))}, where the log-odds use length-averaged
     * log-probs {@code a}: {@code (a_w − a_l) − (log(1 − e^{a_w}) − log(1 − e^{a_l}))}, and the NLL is
     * the token-level mean over all chosen tokens of the batch (TRL's cross-entropy).
     */
    private static LossOutput orpo(LossConfig config, PairedLogps in) {
        NDArray chosenAvg = in.policyChosen().div(in.chosenTokens().maximum(1f));
        NDArray rejectedAvg = in.policyRejected().div(in.rejectedTokens().maximum(1f));
        NDArray logOdds = chosenAvg.sub(rejectedAvg).sub(log1mExp(chosenAvg).sub(log1mExp(rejectedAvg)));
        NDArray ratio = logSigmoid(logOdds);
        NDArray weights = in.weights();
        NDArray nll = in.policyChosen()
                .mul(weights)
                .sum()
                .neg()
                .div(in.chosenTokens().mul(weights).sum().maximum(1f))
                .toType(DataType.FLOAT32, false);
        NDArray loss = nll.sub(Scalars.mul(weightedMean(ratio, weights), config.lambda()));
        Map<String, Double> metrics = rewardMetrics(chosenAvg.mul(config.lambda()), rejectedAvg.mul(config.lambda()));
        metrics.put("logps/chosen", mean(in.policyChosen()));
        metrics.put("logps/rejected", mean(in.policyRejected()));
        metrics.put("nll_loss", (double) nll.getFloat());
        metrics.put("log_odds_ratio", mean(ratio));
        metrics.put("log_odds_chosen", mean(logOdds));
        return new LossOutput(loss, metrics);
    }

    /**
     * KTO: {@code z = max(0, mean(π_KL − ref_KL))} detached, over mismatched pairs of the micro-batch;
     * desirable {@code λ_D·(1 − σ(β(r − z)))}, undesirable {@code λ_U·(1 − σ(β(z − r)))} with
     * {@code r = π − ref}; the loss is the (weighted) mean over all examples.
     */
    public static LossOutput kto(LossConfig config, UnpairedLogps in) {
        double beta = config.beta();
        NDArray kl = in.policyKl()
                .sub(in.referenceKl())
                .mean()
                .maximum(0f)
                .stopGradient()
                .toType(DataType.FLOAT32, false);
        NDArray ratio = in.policy().sub(in.reference());
        NDArray desirable = in.desirable();
        NDArray undesirable = desirable.neg().add(1f);
        NDArray chosenLosses = Scalars.mul(
                Activation.sigmoid(Scalars.mul(ratio.sub(kl), beta)).neg().add(1f), config.desirableWeight());
        NDArray rejectedLosses = Scalars.mul(
                Activation.sigmoid(Scalars.mul(kl.sub(ratio), beta)).neg().add(1f), config.undesirableWeight());
        NDArray losses = chosenLosses.mul(desirable).add(rejectedLosses.mul(undesirable));
        NDArray loss = weightedMean(losses, in.weights());

        float[] rewards = ratio.mul(beta).toFloatArray();
        float[] logps = in.policy().toFloatArray();
        float[] flags = desirable.toFloatArray();
        double chosenReward = 0;
        double rejectedReward = 0;
        double chosenLogp = 0;
        double rejectedLogp = 0;
        int chosenCount = 0;
        int rejectedCount = 0;
        for (int i = 0; i < flags.length; i++) {
            if (flags[i] > 0.5f) {
                chosenReward += rewards[i];
                chosenLogp += logps[i];
                chosenCount++;
            } else {
                rejectedReward += rewards[i];
                rejectedLogp += logps[i];
                rejectedCount++;
            }
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("kl", (double) kl.getFloat());
        metrics.put("count/chosen", (double) chosenCount);
        metrics.put("count/rejected", (double) rejectedCount);
        if (chosenCount > 0) {
            metrics.put("rewards/chosen", chosenReward / chosenCount);
            metrics.put("logps/chosen", chosenLogp / chosenCount);
        }
        if (rejectedCount > 0) {
            metrics.put("rewards/rejected", rejectedReward / rejectedCount);
            metrics.put("logps/rejected", rejectedLogp / rejectedCount);
        }
        if (chosenCount > 0 && rejectedCount > 0) {
            metrics.put("rewards/margins", chosenReward / chosenCount - rejectedReward / rejectedCount);
        }
        return new LossOutput(loss, metrics);
    }

    /** {@code log σ(x) = −softplus(−x)}, numerically stable. */
    static NDArray logSigmoid(NDArray x) {
        return Activation.softPlus(x.neg()).neg();
    }

    private static NDArray log1mExp(NDArray x) {
        return x.exp().neg().add(1f).log();
    }

    private static NDArray weightedMean(NDArray losses, NDArray weights) {
        // Scalars against 0-d tensors promote to float64 in PyTorch; keep the loss in float32.
        return Scalars.div(losses.mul(weights).sum(), losses.getShape().get(0)).toType(DataType.FLOAT32, false);
    }

    private static double mean(NDArray x) {
        return x.mean().getFloat();
    }

    private static Map<String, Double> rewardMetrics(NDArray chosenRewards, NDArray rejectedRewards) {
        float[] chosen = chosenRewards.toFloatArray();
        float[] rejected = rejectedRewards.toFloatArray();
        double c = 0;
        double r = 0;
        double accurate = 0;
        for (int i = 0; i < chosen.length; i++) {
            c += chosen[i];
            r += rejected[i];
            accurate += chosen[i] > rejected[i] ? 1 : 0;
        }
        int n = chosen.length;
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("rewards/chosen", c / n);
        metrics.put("rewards/rejected", r / n);
        metrics.put("rewards/accuracies", accurate / n);
        metrics.put("rewards/margins", (c - r) / n);
        return metrics;
    }
}
