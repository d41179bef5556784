package io.streamrlhf.app.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The supervisor with components that fail on demand (the real components' failures are in
 * {@code io.streamrlhf.app.pipeline.SupervisionIT}); backoffs of a few milliseconds, waits with Awaitility.
 */
class SupervisorTest {

    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final List<String> gaveUp = new CopyOnWriteArrayList<>();

    @AfterEach
    void stopScheduler() {
        scheduler.shutdownNow();
    }

    /** A component that runs until told to fail, and records what happened to it. */
    static class Crashable implements Supervised {
        final AtomicReference<Consumer<Throwable>> failure = new AtomicReference<>();
        volatile boolean closed;

        @Override
        public void start(Consumer<Throwable> onFailure) {
            failure.set(onFailure);
        }

        void crash(String why) {
            failure.get().accept(new IllegalStateException(why));
        }

        @Override
        public ComponentHealth health() {
            return ComponentHealth.ready("RUNNING");
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    private Supervisor supervisor(List<Crashable> made, int maxFailures) {
        RestartPolicy policy =
                new RestartPolicy(Duration.ofMillis(5), Duration.ofMillis(20), Duration.ofHours(1), maxFailures);
        return new Supervisor(
                "thing",
                () -> {
                    Crashable c = new Crashable();
                    made.add(c);
                    return c;
                },
                policy,
                Clock.systemUTC(),
                scheduler,
                (component, failures, cause) -> gaveUp.add(component + " " + failures + " " + cause.getMessage()));
    }

    @Test
    void aFailedComponentIsClosedAndReplacedByAFreshOne() {
        List<Crashable> made = new CopyOnWriteArrayList<>();
        Supervisor supervisor = supervisor(made, 3);
        supervisor.start();
        assertThat(supervisor.report().ready()).isTrue();

        made.get(0).crash("boom");

        await().atMost(Duration.ofSeconds(10))
                .until(() -> made.size() == 2 && supervisor.report().ready());
        assertThat(made.get(0).closed).isTrue();
        assertThat(made.get(1).closed).isFalse();
        assertThat(supervisor.current()).isSameAs(made.get(1));
        Supervisor.Report report = supervisor.report();
        assertThat(report.restarts()).isEqualTo(1);
        assertThat(report.consecutiveFailures()).isEqualTo(1);
        assertThat(report.lastError()).isEqualTo("IllegalStateException: boom");
        assertThat(gaveUp).isEmpty();
    }

    @Test
    void afterMaxConsecutiveFailuresItGivesUpOnceAndIsNoLongerLive() {
        List<Crashable> made = new CopyOnWriteArrayList<>();
        Supervisor supervisor = supervisor(made, 3);
        supervisor.start();
        for (int i = 1; i <= 3; i++) {
            int expected = i;
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> made.size() == expected && supervisor.report().status() == Supervisor.Status.RUNNING);
            made.get(i - 1).crash("failure " + i);
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> !gaveUp.isEmpty());
        assertThat(gaveUp).containsExactly("thing 3 failure 3");
        Supervisor.Report report = supervisor.report();
        assertThat(report.status()).isEqualTo(Supervisor.Status.GAVE_UP);
        assertThat(report.live()).isFalse();
        assertThat(report.ready()).isFalse();
        assertThat(made).hasSize(3).allMatch(c -> c.closed);
    }

    @Test
    void aComponentThatCannotStartIsRetriedLikeAFailure() {
        AtomicInteger attempts = new AtomicInteger();
        RestartPolicy policy = new RestartPolicy(Duration.ofMillis(5), Duration.ofMillis(20), Duration.ofHours(1), 5);
        Supervisor supervisor = new Supervisor(
                "flaky",
                () -> new Crashable() {
                    @Override
                    public void start(Consumer<Throwable> onFailure) {
                        if (attempts.incrementAndGet() < 3) {
                            throw new IllegalStateException("registry down");
                        }
                        super.start(onFailure);
                    }
                },
                policy,
                Clock.systemUTC(),
                scheduler,
                (component, failures, cause) -> gaveUp.add(component));

        supervisor.start();

        await().atMost(Duration.ofSeconds(10)).until(() -> supervisor.report().ready());
        assertThat(attempts).hasValue(3);
        assertThat(supervisor.report().restarts()).isEqualTo(2);
        assertThat(gaveUp).isEmpty();
    }

    @Test
    void aFailureReportedAfterCloseRestartsNothing() {
        List<Crashable> made = new CopyOnWriteArrayList<>();
        Supervisor supervisor = supervisor(made, 3);
        supervisor.start();
        supervisor.close();

        made.get(0).crash("late");

        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2)).until(() -> made.size() == 1);
        assertThat(supervisor.report().status()).isEqualTo(Supervisor.Status.STOPPED);
    }
}
