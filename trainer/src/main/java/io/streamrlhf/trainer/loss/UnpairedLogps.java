package io.streamrlhf.trainer.loss;

import ai.djl.ndarray.NDArray;

/**
 * Per-example inputs of KTO, each of shape (B): summed completion log-probs of the policy and the
 * reference on (prompt_i, completion_i), the same on the mismatched KL pairs
 * (prompt_i, completion_j≠i), a 1/0 desirable flag and training weights.
 */
public record UnpairedLogps(
        NDArray policy, NDArray reference, NDArray policyKl, NDArray referenceKl, NDArray desirable, NDArray weights) {}
