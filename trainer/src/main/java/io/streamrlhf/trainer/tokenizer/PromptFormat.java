package io.streamrlhf.trainer.tokenizer;

/** How {@link HfTokenizer} turns a prompt string into the text the model is conditioned on. */
public enum PromptFormat {
    /**
     * The prompt is one user turn rendered with the model's chat template, ending with the opening of the
     * assistant's turn ({@code add_generation_prompt}); the completion is the assistant's reply, closed by the end
     * token. For instruction-tuned models.
     */
    CHAT,
    /** The prompt text as it is (after the beginning token, if the model has one). For base models. */
    RAW
}
