package io.streamrlhf.app.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrlhf.app.dashboard.DashboardSnapshot.DeadLetterView;
import io.streamrlhf.app.dashboard.DashboardSnapshot.ReasonCount;
import io.streamrlhf.app.dashboard.DashboardSnapshot.RecentDeadLetter;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class DeadLetterLogTest {

    private static final Instant T0 = Instant.parse("2026-11-27T12:00:10Z");

    @Test
    void countsBySourceAndErrorLargestFirst() {
        DeadLetterLog log = new DeadLetterLog(5, 60);
        log.add(Records.deadLetter("rlhf.feedback", 1, "UNKNOWN_RESPONSE", "no such response", T0));
        log.add(Records.deadLetter("rlhf.responses", 2, "CORRUPT_PAYLOAD", "bad bytes", T0));
        log.add(Records.deadLetter("rlhf.responses", 3, "CORRUPT_PAYLOAD", "bad bytes", T0));

        DeadLetterView view = log.view();

        assertThat(view.total()).isEqualTo(3);
        assertThat(view.byReason())
                .containsExactly(
                        new ReasonCount("rlhf.responses", "CORRUPT_PAYLOAD", 2),
                        new ReasonCount("rlhf.feedback", "UNKNOWN_RESPONSE", 1));
    }

    @Test
    void bucketsByMinuteOfDeadLettering() {
        DeadLetterLog log = new DeadLetterLog(5, 60);
        log.add(Records.deadLetter("t", 1, "E", "r", T0));
        log.add(Records.deadLetter("t", 2, "E", "r", T0.plusSeconds(30)));
        log.add(Records.deadLetter("t", 3, "E", "r", T0.plusSeconds(60)));

        long minute = Instant.parse("2026-11-27T12:00:00Z").toEpochMilli();
        assertThat(log.view().perMinute())
                .satisfiesExactly(
                        p -> assertThat(p).containsExactly(minute, 2),
                        p -> assertThat(p).containsExactly(minute + 60_000, 1));
    }

    @Test
    void keepsTheNewestFewNewestFirstWithShortenedReasons() {
        DeadLetterLog log = new DeadLetterLog(2, 60);
        log.add(Records.deadLetter("t", 1, "E", "first", T0));
        log.add(Records.deadLetter("t", 2, "E", "second", T0));
        log.add(Records.deadLetter("t", 3, "E", "x".repeat(1000), T0));

        assertThat(log.view().recent()).extracting(RecentDeadLetter::offset).containsExactly(3L, 2L);
        assertThat(log.view().recent().get(0).reason())
                .hasSize(DeadLetterLog.MAX_REASON_CHARS)
                .endsWith("…");
    }
}
