package io.streamrlhf.producers.tasks;

import java.util.Objects;

/**
 * One generated prompt of a synthetic task.
 *
 * @param task the task family
 * @param text the prompt text, in the task's documented format
 * @param referenceAnswer the exact expected answer ({@code null} for tasks without one, such as chat)
 */
public record TaskPrompt(TaskKind task, String text, String referenceAnswer) {
    /** Validates every field; fails fast naming the bad value and the fix. */
    public TaskPrompt {
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(text, "text");
    }
}
