package io.streamrlhf.trainer.checkpoint;

import java.io.IOException;

/**
 * A checkpoint the store refuses to open: its URI lies outside the store, it is missing or not a regular file, or
 * it is larger than the store's bound. Nothing was read from it.
 */
public final class UntrustedCheckpointException extends IOException {

    private static final long serialVersionUID = 1L;

    /** Whether the location or the size was refused. */
    public enum Kind {
        /** Another scheme, a {@code ..} segment, or a path (symbolic links resolved) outside the store's folder. */
        OUTSIDE_STORE,
        /** A directory, device, pipe or anything else that is not a regular file. */
        NOT_REGULAR_FILE,
        /** Larger than the store's size bound. */
        TOO_LARGE,
        /** Nothing is there. */
        MISSING,
        /**
         * Stored in parts (the kafka store's chunks) that do not make up the version: a chunk missing, extra,
         * duplicated, or disagreeing with the others about its file.
         */
        INCOMPLETE
    }

    private final Kind kind;

    /** Creates the exception with a message naming the URI and the rule it breaks. */
    public UntrustedCheckpointException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    /** Which rule was broken. */
    public Kind kind() {
        return kind;
    }
}
