package io.streamrlhf.trainer.canary;

import java.util.Objects;

/**
 * One held-out prompt of the gate.
 *
 * @param prompt the prompt text
 * @param task the task family the judges know it by (selects a format judge), or null
 * @param referenceAnswer the exact expected answer, or null
 */
public record GatePrompt(String prompt, String task, String referenceAnswer) {

    /** Validates. */
    public GatePrompt {
        Objects.requireNonNull(prompt, "prompt");
    }
}
