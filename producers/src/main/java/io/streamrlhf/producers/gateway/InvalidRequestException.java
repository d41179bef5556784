package io.streamrlhf.producers.gateway;

/** A request the gateway refuses before anything is produced; carries the HTTP status and the reason. */
public class InvalidRequestException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;

    /** A refusal with HTTP {@code status} (4xx) and a reason the caller can act on. */
    public InvalidRequestException(int status, String reason) {
        super(reason);
        this.status = status;
    }

    /** The HTTP status to answer with (4xx). */
    public int status() {
        return status;
    }

    /** 400: malformed JSON, unknown field, wrong type, missing field. */
    public static InvalidRequestException badRequest(String reason) {
        return new InvalidRequestException(400, reason);
    }

    /** 422: well-formed, but refers to something the gateway cannot accept (for example an unknown response). */
    public static InvalidRequestException unprocessable(String reason) {
        return new InvalidRequestException(422, reason);
    }
}
