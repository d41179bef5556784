package io.streamrlhf.app.ops;

import io.streamrlhf.app.config.AppKeys;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * How a supervisor restarts a failed component.
 *
 * @param initialBackoff delay before the restart after the first of a run of consecutive failures
 * @param maxBackoff longest delay; each further consecutive failure doubles the previous one up to it
 * @param resetAfter a component that ran at least this long before failing starts a new run of failures
 * @param maxFailures consecutive failures after which the supervisor gives up
 */
public record RestartPolicy(Duration initialBackoff, Duration maxBackoff, Duration resetAfter, int maxFailures) {

    public RestartPolicy {
        Objects.requireNonNull(initialBackoff, "initialBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        Objects.requireNonNull(resetAfter, "resetAfter");
        if (initialBackoff.isNegative() || initialBackoff.isZero()) {
            throw new IllegalArgumentException("supervisor.backoff.initial must be positive, was " + initialBackoff);
        }
        if (maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("supervisor.backoff.max (" + maxBackoff
                    + ") must be at least supervisor.backoff.initial (" + initialBackoff + ")");
        }
        if (resetAfter.isNegative() || resetAfter.isZero()) {
            throw new IllegalArgumentException("supervisor.reset.after must be positive, was " + resetAfter);
        }
        if (maxFailures < 1) {
            throw new IllegalArgumentException("supervisor.max.failures must be at least 1, was " + maxFailures);
        }
    }

    /** The policy the {@code supervisor.*} settings describe. */
    public static RestartPolicy from(Map<String, String> props) {
        return new RestartPolicy(
                AppKeys.SUPERVISOR_BACKOFF_INITIAL.get(props),
                AppKeys.SUPERVISOR_BACKOFF_MAX.get(props),
                AppKeys.SUPERVISOR_RESET_AFTER.get(props),
                AppKeys.SUPERVISOR_MAX_FAILURES.get(props));
    }
}
