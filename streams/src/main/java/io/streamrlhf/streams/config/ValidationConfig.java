package io.streamrlhf.streams.config;

import java.util.Map;

/**
 * Edge validation of input records; what fails goes to dead letters.
 *
 * @param maxCompletionChars a response whose completion is longer than this is dead-lettered.
 *                           Property {@code validation.max.completion.chars}, default 32768
 */
public record ValidationConfig(int maxCompletionChars) {

    public ValidationConfig {
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
        return new ValidationConfig(StreamsKeys.VALIDATION_MAX_COMPLETION_CHARS.get(properties));
    }
}
