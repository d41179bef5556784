package io.streamrlhf.streams.config;

import io.streamrlhf.streams.redaction.Redactor;
import java.util.Map;
import java.util.Objects;

/**
 * Edge validation of input records; what fails goes to dead letters.
 *
 * @param maxCompletionChars a response whose completion is longer than this is dead-lettered.
 *                           Property {@code validation.max.completion.chars}, default 32768
 * @param redactor what is cleaned out of prompts and completions before they become examples
 *                 ({@code redaction.email}, {@code redaction.phone}, {@code redaction.card}; docs/privacy.md)
 */
public record ValidationConfig(int maxCompletionChars, Redactor redactor) {

    /** The default redaction with this completion limit. */
    public ValidationConfig(int maxCompletionChars) {
        this(maxCompletionChars, Redactor.defaults());
    }

    public ValidationConfig {
        Objects.requireNonNull(redactor, "redactor");
        if (maxCompletionChars < 1) {
            throw new IllegalArgumentException(
                    "validation.max.completion.chars must be >= 1, got " + maxCompletionChars);
        }
    }

    /** The documented defaults. */
    public static ValidationConfig defaults() {
        return new ValidationConfig(32_768);
    }

    /** The defaults overridden by {@code validation.*} keys. */
    public static ValidationConfig fromProperties(Map<String, String> properties) {
        return new ValidationConfig(
                StreamsKeys.VALIDATION_MAX_COMPLETION_CHARS.get(properties),
                Redactor.of(
                        StreamsKeys.REDACTION_EMAIL.get(properties),
                        StreamsKeys.REDACTION_PHONE.get(properties),
                        StreamsKeys.REDACTION_CARD.get(properties)));
    }
}
