package io.streamrlhf.schemas.registry;

/**
 * A registry call failed. Carries the HTTP status and the Confluent error code (for example 40401 subject
 * not found, 40402 version not found, 40403 schema not found, 409 incompatible schema, 42201 invalid schema),
 * so callers can tell a missing subject from an incompatible change or an unreachable registry.
 */
public class SchemaRegistryException extends RuntimeException {
    /** Subject not found. */
    public static final int SUBJECT_NOT_FOUND = 40401;
    /** Version not found. */
    public static final int VERSION_NOT_FOUND = 40402;
    /** Schema (id) not found. */
    public static final int SCHEMA_NOT_FOUND = 40403;
    /** The subject's every version is soft-deleted: delete it with {@code permanent=true}, or register anew. */
    public static final int SUBJECT_SOFT_DELETED = 40404;
    /** A permanent delete of a subject that was not soft-deleted first. */
    public static final int SUBJECT_NOT_SOFT_DELETED = 40405;
    /** The version is soft-deleted: delete it with {@code permanent=true}. */
    public static final int VERSION_SOFT_DELETED = 40406;
    /** A permanent delete of a version that was not soft-deleted first. */
    public static final int VERSION_NOT_SOFT_DELETED = 40407;
    /** Schema incompatible with earlier versions under the subject's compatibility level. */
    public static final int INCOMPATIBLE_SCHEMA = 409;
    /** The subject has no compatibility level of its own (it follows the global one). */
    public static final int SUBJECT_COMPATIBILITY_NOT_CONFIGURED = 40408;
    /** The schema text is not a valid Avro schema, or not a supported schema type. */
    public static final int INVALID_SCHEMA = 42201;
    /** The version is neither a positive integer nor {@code latest}. */
    public static final int INVALID_VERSION = 42202;
    /** Invalid compatibility level. */
    public static final int INVALID_COMPATIBILITY_LEVEL = 42203;
    /** Internal error, or the registry's backing store failed; also used when the registry cannot be reached. */
    public static final int SERVER_ERROR = 50001;
    /** The registry's backing store did not answer in time. */
    public static final int OPERATION_TIMEOUT = 50002;

    /** This registry instance is not the one that may write (another took over): send changes there. */
    public static final int UNKNOWN_LEADER = 50004;

    private static final long serialVersionUID = 1L;

    private final int httpStatus;
    private final int errorCode;
    private final String detail;

    /**
     * @param httpStatus the HTTP status, 0 when the registry could not be reached
     * @param errorCode the Confluent error code
     * @param message what failed
     */
    public SchemaRegistryException(int httpStatus, int errorCode, String message) {
        this(httpStatus, errorCode, message, null);
    }

    /** As {@link #SchemaRegistryException(int, int, String)}, with the underlying cause. */
    public SchemaRegistryException(int httpStatus, int errorCode, String message, Throwable cause) {
        super(message + " (http " + httpStatus + ", error_code " + errorCode + ")", cause);
        this.httpStatus = httpStatus;
        this.errorCode = errorCode;
        this.detail = message;
    }

    /** The message without the status and code suffix, as a registry puts it in its error body. */
    public String detail() {
        return detail;
    }

    /** The HTTP status of the failed call, or 0 when the registry could not be reached. */
    public int httpStatus() {
        return httpStatus;
    }

    /** The Confluent error code. */
    public int errorCode() {
        return errorCode;
    }

    /** Whether the failure means "not found" (subject, version or schema). */
    public boolean isNotFound() {
        return httpStatus == 404;
    }
}
