package io.streamrlhf.producers.client;

import io.streamrlhf.schemas.registry.SchemaRegistryException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.BufferExhaustedException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.SerializationException;

/**
 * An event could not be written to Kafka. The {@link Reason} says whether retrying can help: callers (and the
 * HTTP gateway, which maps it to 429/503/4xx) decide from it, never from the message.
 */
public class PublishException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Why a write failed. */
    public enum Reason {
        /** The producer's buffer is full: the client writes faster than Kafka takes it. Retry after a pause. */
        OVERLOADED(true),
        /** Kafka or the schema registry did not take the write in time (down, unreachable, no leader). */
        UNAVAILABLE(true),
        /** The event can never be written as is (too large, not serializable, not authorized). */
        REJECTED(false),
        /** The client was closed. */
        CLOSED(false),
        /** The calling thread was interrupted while waiting. */
        INTERRUPTED(false);

        private final boolean retriable;

        Reason(boolean retriable) {
            this.retriable = retriable;
        }

        /** Whether the same write may succeed later. */
        public boolean retriable() {
            return retriable;
        }
    }

    private final Reason reason;
    private final transient ClientEvent event;

    /** A failed write with its reason, a message naming what was written, and the underlying error. */
    public PublishException(Reason reason, String message, Throwable cause) {
        this(reason, message, cause, null);
    }

    private PublishException(Reason reason, String message, Throwable cause, ClientEvent event) {
        super(message, cause);
        this.reason = reason;
        this.event = event;
    }

    /** Why the write failed. */
    public Reason reason() {
        return reason;
    }

    /**
     * The event whose write failed, exactly as built (same id and event time), when the client knows it: send it
     * again with {@link ChatFeedbackClient#retry} rather than building a new one.
     */
    public java.util.Optional<ClientEvent> event() {
        return java.util.Optional.ofNullable(event);
    }

    /** This failure, carrying the event whose write failed. */
    public PublishException withEvent(ClientEvent failed) {
        PublishException copy = new PublishException(reason, getMessage(), getCause(), failed);
        copy.setStackTrace(getStackTrace());
        return copy;
    }

    /** Classifies a failure of a Kafka send (or of the serializer before it) into a {@link PublishException}. */
    public static PublishException of(String what, Throwable failure) {
        Throwable e = unwrap(failure);
        if (e instanceof PublishException p) {
            return p;
        }
        Reason reason = classify(e);
        return new PublishException(reason, "Could not write " + what + " (" + reason + "): " + e, e);
    }

    static Reason classify(Throwable e) {
        if (e instanceof BufferExhaustedException) {
            return Reason.OVERLOADED;
        }
        if (e instanceof SchemaRegistryException r) {
            return r.httpStatus() == 0 || r.httpStatus() >= 500 ? Reason.UNAVAILABLE : Reason.REJECTED;
        }
        if (e instanceof SerializationException && e.getCause() instanceof SchemaRegistryException r) {
            return classify(r);
        }
        if (e instanceof RecordTooLargeException
                || e instanceof RecordBatchTooLargeException
                || e instanceof SerializationException
                || e instanceof InvalidTopicException
                || e instanceof AuthorizationException
                || e instanceof AuthenticationException) {
            return Reason.REJECTED;
        }
        if (e instanceof InterruptException || e instanceof InterruptedException) {
            return Reason.INTERRUPTED;
        }
        if (e instanceof IllegalStateException && String.valueOf(e.getMessage()).contains("closed")) {
            return Reason.CLOSED;
        }
        if (e instanceof RetriableException || e instanceof KafkaException || e instanceof TimeoutException) {
            return Reason.UNAVAILABLE;
        }
        return Reason.REJECTED;
    }

    /**
     * Waits for a write and returns its result, throwing a {@link PublishException} (never a wrapped one) when
     * it failed or did not finish within {@code timeoutMillis}. Restores the interrupt flag when interrupted.
     */
    public static <T> T await(CompletableFuture<T> write, long timeoutMillis) {
        try {
            return write.get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PublishException(Reason.INTERRUPTED, "Interrupted while waiting for a write", e);
        } catch (ExecutionException | CompletionException | CancellationException e) {
            throw of("event", e);
        } catch (TimeoutException e) {
            throw new PublishException(Reason.UNAVAILABLE, "Write not acknowledged within " + timeoutMillis + " ms", e);
        }
    }

    private static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
