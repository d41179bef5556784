package io.streamrlhf.trainer.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The held-out evaluation the trainer runs before publishing, for the canary controller's gate.
 *
 * @param prompts a file of held-out prompts ({@code trainer.gate.prompts}); empty: the set the application supplies
 *     (the demo's built-in prompts)
 * @param maxTokens token limit of each greedy generation ({@code trainer.gate.max.tokens}, default 32)
 */
public record GateConfig(Optional<Path> prompts, int maxTokens) {

    /** Validates. */
    public GateConfig {
        if (maxTokens < 1) {
            throw new IllegalArgumentException("trainer.gate.max.tokens must be positive, was " + maxTokens);
        }
    }
}
