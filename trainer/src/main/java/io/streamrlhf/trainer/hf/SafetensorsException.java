package io.streamrlhf.trainer.hf;

import java.io.IOException;
import java.nio.file.Path;

/** A safetensors file that is truncated, malformed or hostile; the message names the file and, where known, the tensor. */
public final class SafetensorsException extends IOException {

    private static final long serialVersionUID = 1L;

    /** A problem with the file as a whole (its header). */
    public SafetensorsException(Path file, String problem) {
        super(file + ": " + problem);
    }

    /** A problem with one tensor of the file. */
    public SafetensorsException(Path file, String tensor, String problem) {
        super(file + ": tensor '" + tensor + "': " + problem);
    }
}
