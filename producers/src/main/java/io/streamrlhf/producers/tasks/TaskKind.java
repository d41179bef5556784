package io.streamrlhf.producers.tasks;

import java.util.Locale;
import java.util.Optional;

/** The synthetic task families; {@link #id()} is the value of the {@code task} field on the wire. */
public enum TaskKind {
    /** "What is 17+25?" answered by the exact number. See {@link ArithmeticTask}. */
    ARITHMETIC("arithmetic"),
    /** A short greeting answered politely. See {@link ChatTask}. */
    CHAT("chat");

    private final String id;

    TaskKind(String id) {
        this.id = id;
    }

    /** The wire name ({@code arithmetic}, {@code chat}). */
    public String id() {
        return id;
    }

    /** The task with wire name {@code id}, if any (case-insensitive). */
    public static Optional<TaskKind> fromId(String id) {
        if (id == null) {
            return Optional.empty();
        }
        String lower = id.trim().toLowerCase(Locale.ROOT);
        for (TaskKind kind : values()) {
            if (kind.id.equals(lower)) {
                return Optional.of(kind);
            }
        }
        return Optional.empty();
    }

    /**
     * The task of a response: its {@code task} field when it names one, else recognized from the prompt
     * text (an arithmetic prompt has the exact form of {@link ArithmeticTask}; anything else is chat).
     */
    public static TaskKind resolve(String taskField, String promptText) {
        return fromId(taskField)
                .orElseGet(() -> ArithmeticTask.answerOf(promptText).isPresent() ? ARITHMETIC : CHAT);
    }
}
