package io.streamrlhf.app.ops;

import io.streamrlhf.schemas.util.Backoff;
import java.time.Duration;
import java.time.Instant;

/**
 * The supervisor's arithmetic, apart from threads and clocks: counts consecutive failures of one component and
 * decides, at each failure, whether to restart it and after which delay, or to give up. A failure after the
 * component ran for {@link RestartPolicy#resetAfter()} starts a new run: the count and the backoff begin again.
 * Not thread-safe; the supervisor calls it under its lock.
 */
public final class RestartTracker {

    /**
     * What to do after a failure.
     *
     * @param giveUp true when the component failed {@link RestartPolicy#maxFailures()} times in a row
     * @param delay how long to wait before the restart (zero when giving up)
     * @param consecutiveFailures failures in the current run, this one included
     */
    public record Decision(boolean giveUp, Duration delay, int consecutiveFailures) {}

    private final RestartPolicy policy;
    private final Backoff backoff;
    private Instant startedAt;
    private int consecutiveFailures;

    public RestartTracker(RestartPolicy policy) {
        this.policy = policy;
        this.backoff = new Backoff(policy.initialBackoff(), policy.maxBackoff());
    }

    /** The component (re)started at {@code now}. */
    public void started(Instant now) {
        startedAt = now;
    }

    /** The component failed at {@code now}: restart it after the returned delay, or give up. */
    public Decision failed(Instant now) {
        if (startedAt != null && Duration.between(startedAt, now).compareTo(policy.resetAfter()) >= 0) {
            consecutiveFailures = 0;
            backoff.reset();
        }
        consecutiveFailures++;
        if (consecutiveFailures >= policy.maxFailures()) {
            return new Decision(true, Duration.ZERO, consecutiveFailures);
        }
        return new Decision(false, backoff.next(), consecutiveFailures);
    }

    /** Failures in the current run. */
    public int consecutiveFailures() {
        return consecutiveFailures;
    }
}
