package io.streamrlhf.trainer.hf;

/**
 * A {@code config.json} this project cannot run as written: a missing or malformed field, or an architecture or
 * option (model type, rope type, sliding window, MLP bias, activation) that would change the math. The message
 * names the field and the value.
 */
public final class ModelConfigException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /** An error about {@code field} of the config. */
    public ModelConfigException(String field, String problem) {
        super("config.json field '" + field + "': " + problem);
    }
}
