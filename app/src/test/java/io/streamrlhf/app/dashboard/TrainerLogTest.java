package io.streamrlhf.app.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrlhf.app.dashboard.DashboardSnapshot.TrainerView;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrainerLogTest {

    private static final Instant T0 = Instant.parse("2026-11-27T12:00:00Z");

    @Test
    void keepsOneSeriesPerMetricByStepAndTheLatestValues() {
        TrainerLog log = new TrainerLog(100, 10);
        log.add(Records.step(1, 0, T0, Map.of("loss/dpo", 0.69, "rewards/margins", 0.0)));
        log.add(Records.step(2, 0, T0.plusSeconds(1), Map.of("loss/dpo", 0.60, "rewards/margins", 0.2)));

        TrainerView view = log.view();

        assertThat(view.step()).isEqualTo(2);
        assertThat(view.policyVersion()).isZero();
        assertThat(view.modelId()).isEqualTo(Records.MODEL);
        assertThat(view.series().get("loss/dpo"))
                .satisfiesExactly(
                        p -> assertThat(p).containsExactly(1, 0.69),
                        p -> assertThat(p).containsExactly(2, 0.60));
        assertThat(view.latest()).containsEntry("rewards/margins", 0.2);
    }

    @Test
    void ignoresNewKeysBeyondTheLimitButKeepsFeedingKnownOnes() {
        TrainerLog log = new TrainerLog(100, 2);
        log.add(Records.step(1, 0, T0, Map.of("a", 1.0, "b", 1.0)));
        log.add(Records.step(2, 0, T0, Map.of("a", 2.0, "b", 2.0, "c", 2.0)));

        assertThat(log.view().series()).containsOnlyKeys("a", "b");
        assertThat(log.view().series().get("a")).hasSize(2);
    }

    @Test
    void reportsNoStepBeforeTheFirst() {
        assertThat(new TrainerLog(10, 10).view().step()).isEqualTo(-1);
    }
}
