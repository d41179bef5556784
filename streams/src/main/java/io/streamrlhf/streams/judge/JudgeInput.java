package io.streamrlhf.streams.judge;

/**
 * What a judge looks at.
 *
 * @param prompt the prompt text
 * @param completion the completion to judge
 * @param task the task family, or null
 * @param referenceAnswer the exact expected answer, or null when the task has none
 */
public record JudgeInput(String prompt, String completion, String task, String referenceAnswer) {
}
