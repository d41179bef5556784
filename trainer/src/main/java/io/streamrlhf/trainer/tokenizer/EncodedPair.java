package io.streamrlhf.trainer.tokenizer;

import java.util.Arrays;

/**
 * Token ids of one (prompt, completion) pair.
 *
 * @param ids all token ids
 * @param promptLength number of leading ids (the prompt prefix) that are context, not scored
 */
public record EncodedPair(int[] ids, int promptLength) {

    /** Validates the layout. */
    public EncodedPair {
        if (promptLength < 1 || promptLength > ids.length) {
            throw new IllegalArgumentException("promptLength " + promptLength + " outside [1, " + ids.length + "]");
        }
    }

    /** Number of scored completion tokens. */
    public int completionLength() {
        return ids.length - promptLength;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EncodedPair e && e.promptLength == promptLength && Arrays.equals(e.ids, ids);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(ids) + promptLength;
    }

    @Override
    public String toString() {
        return "EncodedPair[ids=" + Arrays.toString(ids) + ", promptLength=" + promptLength + "]";
    }
}
