package io.streamrlhf.app.ops;

import java.util.function.Consumer;

/**
 * One incarnation of a supervised component. The supervisor starts it once, asks its health, and closes it once:
 * on shutdown, or after it reported a failure (a fresh incarnation then replaces it).
 */
public interface Supervised extends AutoCloseable {

    /**
     * Starts the component. Throwing counts as a failure.
     *
     * @param onFailure to be called, from any thread and at most once, when the component stopped on its own
     *     (a thread ended with an exception, streams went to ERROR, the producer was fenced); never called for a
     *     stop that {@link #close()} asked for
     */
    void start(Consumer<Throwable> onFailure) throws Exception;

    /** The component's own view of its state; cheap and thread-safe. */
    ComponentHealth health();

    /** Stops the component and releases what it holds; called once, never from the thread that reported. */
    @Override
    void close() throws Exception;
}
