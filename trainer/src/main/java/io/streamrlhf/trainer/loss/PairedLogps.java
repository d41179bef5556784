package io.streamrlhf.trainer.loss;

import ai.djl.ndarray.NDArray;

/**
 * Per-pair inputs of a paired loss, each of shape (B): summed completion log-probs of the policy
 * and (for losses with a reference) of the reference model, completion token counts, and
 * per-pair training weights.
 */
public record PairedLogps(
        NDArray policyChosen,
        NDArray policyRejected,
        NDArray referenceChosen,
        NDArray referenceRejected,
        NDArray chosenTokens,
        NDArray rejectedTokens,
        NDArray weights) {}
