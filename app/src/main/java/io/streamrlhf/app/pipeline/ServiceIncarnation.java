package io.streamrlhf.app.pipeline;

import io.streamrlhf.app.ops.ComponentHealth;
import io.streamrlhf.app.ops.Supervised;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A component that starts its own threads and has no failure signal of its own (the prompt source, simulated
 * users, the gateway, the dashboard): a failure to start is retried; once started it is ready until closed.
 *
 * @param <T> the component
 */
final class ServiceIncarnation<T extends AutoCloseable> implements Supervised {

    private final Supplier<T> starter;
    private volatile T component;

    /** @param starter builds and starts the component, returning it */
    ServiceIncarnation(Supplier<T> starter) {
        this.starter = starter;
    }

    T component() {
        return component;
    }

    @Override
    public void start(Consumer<Throwable> onFailure) {
        component = starter.get();
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
