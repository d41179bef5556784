package io.streamrlhf.streams.judge;

/**
 * What a judge looks at.
 *
 * @param prompt the prompt text
 * @param completion the completion to judge
 * @param task the task family, or null
 * @param referenceAnswer the exact expected answer, or null when the task has none
 * @param truncated whether generation was cut off at the token limit (no end token)
 */
public record JudgeInput(String prompt, String completion, String task, String referenceAnswer, boolean truncated) {

    /** An input whose completion ended with the end token. */
    public JudgeInput(String prompt, String completion, String task, String referenceAnswer) {
        this(prompt, completion, task, referenceAnswer, false);
    }
}
