package io.streamrlhf.trainer.batch;

/**
 * A right-padded batch of (prompt, completion) sequences on the host, ready to become NDArrays.
 *
 * <p>Row {@code b} predicts {@code targets[b][t]} from {@code inputs[b][0..t]}; {@code mask[b][t]}
 * is 1 where that target is a completion token (prompt and padding positions are 0).
 *
 * @param rows batch size B
 * @param length padded length L (inputs are the sequence without its last token)
 * @param inputs row-major (B × L) input ids
 * @param targets row-major (B × L) next-token ids
 * @param mask row-major (B × L) completion mask
 * @param padId the padding token id the rows are filled with
 */
public record TokenBatch(int rows, int length, long[] inputs, long[] targets, float[] mask, int padId) {

    /** Validates sizes. */
    public TokenBatch {
        int cells = rows * length;
        if (rows <= 0 || length <= 0 || inputs.length != cells || targets.length != cells || mask.length != cells) {
            throw new IllegalArgumentException("inconsistent batch: rows=" + rows + " length=" + length);
        }
    }

    /** Number of scored (completion) tokens in row {@code row}. */
    public int completionTokens(int row) {
        int n = 0;
        for (int t = 0; t < length; t++) {
            n += mask[row * length + t] > 0 ? 1 : 0;
        }
        return n;
    }

    /**
     * The first column any row scores (its mask is 1 there), or the last column when no row scores any: the columns
     * before it need no logits.
     */
    public int firstScoredColumn() {
        int first = length - 1;
        for (int b = 0; b < rows; b++) {
            for (int t = 0; t < first; t++) {
                if (mask[b * length + t] > 0) {
                    first = t;
                    break;
                }
            }
        }
        return first;
    }

    /** Total number of non-padding positions, the tokens a forward pass really processes. */
    public int realTokens() {
        int n = 0;
        for (long id : inputs) {
            n += id == padId ? 0 : 1;
        }
        return n;
    }
}
