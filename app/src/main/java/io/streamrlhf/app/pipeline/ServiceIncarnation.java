package io.streamrlhf.app.pipeline;

import io.streamrlhf.app.ops.ComponentHealth;
import io.streamrlhf.app.ops.Supervised;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A component that starts its own threads and has no failure signal of its own (the prompt source, simulated
 * users, the gateway, the dashboard): a failure to start is retried; once started it is ready until closed.
 *
 * @param <T> the component
 */
final class ServiceIncarnation<T extends AutoCloseable> implements Supervised {

    private final Supplier<T> build;
    private final Function<T, T> start;
    private volatile T component;

    /**
     * @param build makes the component (its clients)
     * @param start starts it, returning it; when it throws, the built component is closed, so that a retried
     *     start leaks no producer
     */
    ServiceIncarnation(Supplier<T> build, Function<T, T> start) {
        this.build = build;
        this.start = start;
    }

    T component() {
        return component;
    }

    @Override
    public void start(Consumer<Throwable> onFailure) throws Exception {
        T built = build.get();
        try {
            component = start.apply(built);
        } catch (RuntimeException e) {
            try {
                built.close();
            } catch (Exception suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    @Override
    public ComponentHealth health() {
        return component == null ? ComponentHealth.notReady("STARTING", "") : ComponentHealth.ready("RUNNING");
    }

    @Override
    public void close() throws Exception {
        T c = component;
        if (c != null) {
            c.close();
        }
    }
}
