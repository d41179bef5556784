package io.streamrlhf.app.pipeline;

import io.streamrlhf.app.ops.ComponentHealth;
import io.streamrlhf.app.ops.Supervised;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A component that starts its own threads (the prompt source, simulated users, the gateway, the dashboard): a
 * failure to start is retried; once started, its failure probe is asked every {@link #CHECK_INTERVAL_MILLIS} ms, and
 * the first failure it names (a thread that ended on its own, a periodic task that threw) is reported to the
 * supervisor, which replaces the incarnation; until then it is ready.
 *
 * @param <T> the component
 */
final class ServiceIncarnation<T extends AutoCloseable> implements Supervised {

    /** How often the failure probe is asked. */
    static final long CHECK_INTERVAL_MILLIS = 500;

    private final Supplier<T> build;
    private final Function<T, T> start;
    private final Function<T, Optional<Throwable>> failure;
    private volatile T component;
    private volatile Throwable failed;
    private ScheduledExecutorService watcher;

    /**
     * @param build makes the component (its clients)
     * @param start starts it, returning it; when it throws, the built component is closed, so that a retried
     *     start leaks no producer
     * @param failure why the started component stopped doing its work on its own, if it did
     */
    ServiceIncarnation(Supplier<T> build, Function<T, T> start, Function<T, Optional<Throwable>> failure) {
        this.build = build;
        this.start = start;
        this.failure = failure;
    }

    T component() {
        return component;
    }

    @Override
    public synchronized void start(Consumer<Throwable> onFailure) throws Exception {
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
        T started = component;
        watcher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "supervised-" + started.getClass().getSimpleName() + "-watch");
            t.setDaemon(true);
            return t;
        });
        ScheduledExecutorService w = watcher;
        w.scheduleWithFixedDelay(
                () -> {
                    if (failed != null) {
                        return;
                    }
                    Optional<Throwable> f = failure.apply(started);
                    if (f.isPresent()) {
                        failed = f.get();
                        w.shutdown();
                        onFailure.accept(f.get());
                    }
                },
                CHECK_INTERVAL_MILLIS,
                CHECK_INTERVAL_MILLIS,
                TimeUnit.MILLISECONDS);
    }

    @Override
    public ComponentHealth health() {
        Throwable f = failed;
        if (f != null) {
            return ComponentHealth.notReady("FAILED", String.valueOf(f.getMessage()));
        }
        return component == null ? ComponentHealth.notReady("STARTING", "") : ComponentHealth.ready("RUNNING");
    }

    @Override
    public synchronized void close() throws Exception {
        if (watcher != null) {
            watcher.shutdownNow();
        }
        T c = component;
        if (c != null) {
            c.close();
        }
    }
}
