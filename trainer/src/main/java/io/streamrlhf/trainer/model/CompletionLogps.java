package io.streamrlhf.trainer.model;

import ai.djl.ndarray.NDArray;

/**
 * Per-sequence completion log-probabilities: {@code sums[b]} is the sum of log π(token) over the
 * completion tokens of row {@code b}, {@code counts[b]} their number (both float32, shape (B));
 * {@code tokens} the masked per-token log-probs and {@code mask} the completion-token mask, both
 * (B, T).
 */
public record CompletionLogps(NDArray sums, NDArray counts, NDArray tokens, NDArray mask) {

    /** Length-normalised log-probs {@code sums / counts} (rows without tokens count as 1). */
    public NDArray averages() {
        return sums.div(counts.maximum(1f));
    }
}
