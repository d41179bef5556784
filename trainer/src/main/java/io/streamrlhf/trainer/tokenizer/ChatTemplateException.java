package io.streamrlhf.trainer.tokenizer;

/**
 * A chat template that cannot be rendered: a syntax error, an unsupported construct, or the template's own
 * {@code raise_exception} (for example a role order it refuses). Never a partly rendered prompt.
 */
public final class ChatTemplateException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** An error with the template's or the engine's message. */
    public ChatTemplateException(String message) {
        super(message);
    }
}
