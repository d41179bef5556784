package io.streamrlhf.app.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrlhf.app.dashboard.ActivityLog.OffsetSample;
import io.streamrlhf.app.dashboard.DashboardSnapshot.ActivityView;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ActivityLogTest {

    @Test
    void rateIsEndOffsetGrowthOverElapsedTime() {
        ActivityLog log = new ActivityLog(100);
        log.add(new OffsetSample(10_000, Map.of("rlhf.feedback", 100L), Map.of()));
        log.add(new OffsetSample(12_000, Map.of("rlhf.feedback", 150L), Map.of()));

        ActivityView view = log.view();

        assertThat(view.rates().get("rlhf.feedback"))
                .singleElement()
                .satisfies(p -> assertThat(p).containsExactly(12_000, 25));
        assertThat(view.endOffsets()).containsEntry("rlhf.feedback", 150L);
        assertThat(view.status()).isEqualTo("ok");
    }

    @Test
    void skipsTheIntervalInWhichATopicWasRecreated() {
        ActivityLog log = new ActivityLog(100);
        log.add(new OffsetSample(0, Map.of("t", 500L), Map.of()));
        log.add(new OffsetSample(1000, Map.of("t", 3L), Map.of()));

        assertThat(log.view().rates()).doesNotContainKey("t");
    }

    @Test
    void lagTotalsAGroupsTopicsAndDropsGroupsThatDisappear() {
        ActivityLog log = new ActivityLog(100);
        log.add(new OffsetSample(
                0,
                Map.of(),
                Map.of(
                        "trainer", Map.of("rlhf.examples.kto", 7L, "rlhf.examples.dpo", 3L),
                        "old", Map.of("rlhf.feedback", 1L))));
        log.add(new OffsetSample(
                1000, Map.of(), Map.of("trainer", Map.of("rlhf.examples.kto", 2L, "rlhf.examples.dpo", 0L))));

        ActivityView view = log.view();

        assertThat(view.lag()).containsOnlyKeys("trainer");
        assertThat(view.lag().get("trainer").total()).isEqualTo(2);
        assertThat(view.lag().get("trainer").byTopic()).containsEntry("rlhf.examples.kto", 2L);
        assertThat(view.lag().get("trainer").history()).extracting(p -> p[1]).containsExactly(10.0, 2.0);
    }

    @Test
    void reportsAPollingFailureUntilTheNextGoodSample() {
        ActivityLog log = new ActivityLog(100);
        log.failed("TimeoutException: broker down");
        assertThat(log.view().status()).isEqualTo("error");
        assertThat(log.view().error()).contains("broker down");

        log.add(new OffsetSample(0, Map.of(), Map.of()));
        assertThat(log.view().status()).isEqualTo("ok");
        assertThat(log.view().error()).isNull();
    }
}
