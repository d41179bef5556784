package io.streamrlhf.producers.users;

import io.streamrlhf.producers.tasks.TaskKind;
import java.util.Objects;

/**
 * One user's tastes, one per task.
 *
 * @param arithmetic taste for arithmetic prompts
 * @param chat taste for chat prompts
 */
public record UserTastes(Taste arithmetic, Taste chat) {

    /** The reference tastes: exact arithmetic, default chat bounds. */
    public static final UserTastes DEFAULT = new UserTastes(new ArithmeticTaste(), ChatTaste.DEFAULT);

    /** Validates every field; fails fast naming the bad value and the fix. */
    public UserTastes {
        Objects.requireNonNull(arithmetic, "arithmetic");
        Objects.requireNonNull(chat, "chat");
    }

    /** The taste for {@code task}. */
    public Taste forTask(TaskKind task) {
        return task == TaskKind.ARITHMETIC ? arithmetic : chat;
    }

    /** Judges {@code completion}, the task resolved from {@code taskField} or the prompt text. */
    public Verdict judge(String taskField, String prompt, String completion) {
        return forTask(TaskKind.resolve(taskField, prompt)).judge(prompt, completion);
    }
}
