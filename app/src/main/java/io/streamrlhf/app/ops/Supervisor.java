package io.streamrlhf.app.ops;

import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one component running: starts an incarnation from its factory, and when that incarnation reports a
 * failure (or fails to start) closes it and starts a fresh one after the delay {@link RestartTracker} decides.
 * After {@link RestartPolicy#maxFailures()} consecutive failures it stops trying, logs one line and calls its
 * {@link GiveUp} handler, which in {@code run} and {@code demo} exits the process with status 70 so that an
 * orchestrator restarts it.
 *
 * <p>Failures are handled on the shared scheduler thread, never on the thread that reported them: a Kafka Streams
 * state listener or a dying loop thread must not close its own component.
 */
public final class Supervisor implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Supervisor.class);

    /** Where a supervised component is in its life. */
    public enum Status {
        /** An incarnation is starting. */
        STARTING,
        /** An incarnation started and has not failed. */
        RUNNING,
        /** The last incarnation failed; the next one starts after the backoff. */
        BACKING_OFF,
        /** Too many consecutive failures: no further restart. */
        GAVE_UP,
        /** Stopped on request. */
        STOPPED
    }

    /** Called once when a supervisor gives up. */
    @FunctionalInterface
    public interface GiveUp {
        /** {@code component} failed {@code failures} times in a row, the last time with {@code cause}. */
        void gaveUp(String component, int failures, Throwable cause);
    }

    /**
     * A component's health as the supervisor sees it.
     *
     * @param component the component's name
     * @param status the supervisor's status
     * @param health the running incarnation's own report, or null when none runs
     * @param restarts restarts since the process started
     * @param consecutiveFailures failures in the current run of failures
     * @param lastError the last failure, as {@code Class: message}, or empty
     */
    public record Report(
            String component,
            Status status,
            ComponentHealth health,
            int restarts,
            int consecutiveFailures,
            String lastError) {

        /** False only when the supervisor gave up: the process is failed for good. */
        public boolean live() {
            return status != Status.GAVE_UP;
        }

        /** True when an incarnation runs and says it does its work. */
        public boolean ready() {
            return status == Status.RUNNING && health != null && health.ready();
        }
    }

    /** Stands for an incarnation whose factory threw. */
    private static final Supervised NOT_BUILT = new Supervised() {
        @Override
        public void start(java.util.function.Consumer<Throwable> onFailure) {}

        @Override
        public ComponentHealth health() {
            return ComponentHealth.notReady("NOT_BUILT", "");
        }

        @Override
        public void close() {}
    };

    private final String name;
    private final Supplier<? extends Supervised> factory;
    private final Clock clock;
    private final ScheduledExecutorService scheduler;
    private final GiveUp giveUp;
    private final RestartTracker tracker;
    private volatile Supervised current;
    private volatile Status status = Status.STARTING;
    private volatile int restarts;
    private volatile int consecutiveFailures;
    private volatile String lastError = "";
    private boolean closed;

    /**
     * @param name the component's name in logs, health and metrics
     * @param factory makes a fresh, unstarted incarnation
     * @param scheduler runs restarts and failure handling; shared, single-threaded is enough
     */
    public Supervisor(
            String name,
            Supplier<? extends Supervised> factory,
            RestartPolicy policy,
            Clock clock,
            ScheduledExecutorService scheduler,
            GiveUp giveUp) {
        this.name = Objects.requireNonNull(name, "name");
        this.factory = Objects.requireNonNull(factory, "factory");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.giveUp = Objects.requireNonNull(giveUp, "giveUp");
        this.tracker = new RestartTracker(policy);
    }

    /** Starts the first incarnation on the calling thread; a failure to start is retried like any failure. */
    public void start() {
        startIncarnation();
    }

    private void startIncarnation() {
        GaveUp outcome;
        synchronized (this) {
            if (closed) {
                return;
            }
            status = Status.STARTING;
            tracker.started(clock.instant());
            Supervised incarnation = NOT_BUILT;
            current = incarnation;
            try {
                incarnation = factory.get();
                current = incarnation;
                Supervised started = incarnation;
                incarnation.start(cause -> reportFailure(started, cause));
                if (current == incarnation && status == Status.STARTING) {
                    status = Status.RUNNING;
                }
                return;
            } catch (Exception | LinkageError e) {
                outcome = handleFailure(incarnation, e);
            }
        }
        if (outcome != null) {
            outcome.notifyHandler();
        }
    }

    private void reportFailure(Supervised incarnation, Throwable cause) {
        try {
            scheduler.execute(() -> {
                GaveUp outcome = handleFailure(incarnation, cause);
                if (outcome != null) {
                    outcome.notifyHandler();
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            log.debug("Failure of {} reported after shutdown", name, cause);
        }
    }

    private record GaveUp(GiveUp handler, String component, int failures, Throwable cause) {
        void notifyHandler() {
            handler.gaveUp(component, failures, cause);
        }
    }

    /** Closes the failed incarnation and schedules the next; returns non-null when giving up. */
    private synchronized GaveUp handleFailure(Supervised incarnation, Throwable cause) {
        if (closed || current != incarnation) {
            return null;
        }
        current = null;
        lastError = cause.getClass().getSimpleName() + ": " + cause.getMessage();
        closeQuietly(incarnation);
        RestartTracker.Decision decision = tracker.failed(clock.instant());
        consecutiveFailures = decision.consecutiveFailures();
        if (decision.giveUp()) {
            status = Status.GAVE_UP;
            log.error(
                    "Component {} failed {} times in a row; giving up so that the process exits and is restarted "
                            + "by its orchestrator (last failure: {})",
                    name,
                    decision.consecutiveFailures(),
                    lastError,
                    cause);
            return new GaveUp(giveUp, name, decision.consecutiveFailures(), cause);
        }
        status = Status.BACKING_OFF;
        restarts++;
        log.warn(
                "Component {} failed ({} in a row); restarting it in {} ms",
                name,
                decision.consecutiveFailures(),
                decision.delay().toMillis(),
                cause);
        scheduler.schedule(this::startIncarnation, decision.delay().toMillis(), TimeUnit.MILLISECONDS);
        return null;
    }

    private void closeQuietly(Supervised incarnation) {
        try {
            incarnation.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.warn("Could not close the failed incarnation of {}", name, e);
        }
    }

    /** The component's name. */
    public String name() {
        return name;
    }

    /** The running incarnation, if one runs. */
    public Supervised current() {
        return current;
    }

    /** The current report; never blocks on a starting or stopping component. */
    public Report report() {
        Supervised running = current;
        Status now = status;
        ComponentHealth health = null;
        if (running != null && now == Status.RUNNING) {
            try {
                health = running.health();
            } catch (RuntimeException e) {
                health = ComponentHealth.notReady("UNKNOWN", "health check failed: " + e);
            }
        }
        return new Report(name, now, health, restarts, consecutiveFailures, lastError);
    }

    /** Stops supervising and closes the running incarnation. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        Supervised running = current;
        current = null;
        if (status != Status.GAVE_UP) {
            status = Status.STOPPED;
        }
        if (running != null) {
            closeQuietly(running);
        }
    }
}
