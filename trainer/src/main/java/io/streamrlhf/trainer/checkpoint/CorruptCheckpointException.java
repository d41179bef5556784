package io.streamrlhf.trainer.checkpoint;

import java.io.IOException;

/** A checkpoint file whose bytes do not match its hash or its format; it must not be loaded. */
public final class CorruptCheckpointException extends IOException {

    private static final long serialVersionUID = 1L;

    /** Creates the exception with a message naming the file and the mismatch. */
    public CorruptCheckpointException(String message) {
        super(message);
    }

    /** Creates the exception with a cause. */
    public CorruptCheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
