package io.streamrlhf.app.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RestartTrackerTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private static RestartPolicy policy(int maxFailures) {
        return new RestartPolicy(Duration.ofSeconds(1), Duration.ofSeconds(8), Duration.ofMinutes(2), maxFailures);
    }

    @Test
    void delaysDoubleUpToTheMaximumThenGiveUpAtTheNthConsecutiveFailure() {
        // given a component that fails two seconds after every start
        RestartTracker tracker = new RestartTracker(policy(7));
        Instant now = T0;
        List<Long> delays = new ArrayList<>();
        RestartTracker.Decision decision;
        // when it keeps failing
        do {
            tracker.started(now);
            now = now.plusSeconds(2);
            decision = tracker.failed(now);
            if (!decision.giveUp()) {
                delays.add(decision.delay().toSeconds());
                now = now.plus(decision.delay());
            }
        } while (!decision.giveUp());
        // then the delays are 1, 2, 4, 8, 8, 8 s and the seventh failure gives up
        assertThat(delays).containsExactly(1L, 2L, 4L, 8L, 8L, 8L);
        assertThat(decision.consecutiveFailures()).isEqualTo(7);
        assertThat(decision.delay()).isEqualTo(Duration.ZERO);
    }

    @Test
    void aFailureAfterARunLongerThanResetAfterStartsCountingAndBackoffAgain() {
        RestartTracker tracker = new RestartTracker(policy(3));
        // given two quick failures in a row
        tracker.started(T0);
        assertThat(tracker.failed(T0.plusSeconds(1)).delay()).isEqualTo(Duration.ofSeconds(1));
        tracker.started(T0.plusSeconds(2));
        assertThat(tracker.failed(T0.plusSeconds(3)).delay()).isEqualTo(Duration.ofSeconds(2));
        // when the next incarnation runs healthy for the whole reset period before failing
        tracker.started(T0.plusSeconds(5));
        RestartTracker.Decision decision = tracker.failed(T0.plusSeconds(5).plus(Duration.ofMinutes(2)));
        // then it is the first failure of a new run, not the third (which would give up)
        assertThat(decision.giveUp()).isFalse();
        assertThat(decision.consecutiveFailures()).isEqualTo(1);
        assertThat(decision.delay()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void aFailureJustBeforeResetAfterStillCounts() {
        RestartTracker tracker = new RestartTracker(policy(2));
        tracker.started(T0);
        tracker.failed(T0.plusSeconds(1));
        tracker.started(T0.plusSeconds(2));
        RestartTracker.Decision decision =
                tracker.failed(T0.plusSeconds(2).plus(Duration.ofMinutes(2)).minusMillis(1));
        assertThat(decision.giveUp()).isTrue();
        assertThat(decision.consecutiveFailures()).isEqualTo(2);
    }

    @Test
    void oneAllowedFailureGivesUpAtOnce() {
        RestartTracker tracker = new RestartTracker(policy(1));
        tracker.started(T0);
        assertThat(tracker.failed(T0).giveUp()).isTrue();
    }

    @Test
    void policyRejectsAMaximumBelowTheInitialBackoffNamingBothKeys() {
        assertThatThrownBy(
                        () -> new RestartPolicy(Duration.ofSeconds(5), Duration.ofSeconds(1), Duration.ofMinutes(1), 3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("supervisor.backoff.max")
                .hasMessageContaining("supervisor.backoff.initial");
    }
}
