package io.streamrlhf.trainer.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.streamrlhf.trainer.config.StalenessConfig;
import io.streamrlhf.trainer.config.StalenessConfig.Action;
import org.junit.jupiter.api.Test;

class AdmissionTest {

    @Test
    void admitsExamplesWithinTheLagAtFullWeight() {
        // given
        Admission admission = new Admission(new StalenessConfig(2, Action.DROP, 0.5));
        // when
        Admission.Decision d = admission.decide(10, 8, 0.7);
        // then
        assertThat(d.admitted()).isTrue();
        assertThat(d.weight()).isEqualTo(0.7);
        assertThat(d.lag()).isEqualTo(2);
        assertThat(d.downWeighted()).isFalse();
    }

    @Test
    void dropsExamplesBeyondTheLagWhenConfiguredToDrop() {
        // given
        Admission admission = new Admission(new StalenessConfig(2, Action.DROP, 0.5));
        // when
        Admission.Decision d = admission.decide(10, 7, 1.0);
        // then
        assertThat(d.admitted()).isFalse();
        assertThat(d.weight()).isZero();
        assertThat(d.lag()).isEqualTo(3);
    }

    @Test
    void downWeightsGeometricallyPerVersionBeyondTheLag() {
        // given
        Admission admission = new Admission(new StalenessConfig(2, Action.DOWN_WEIGHT, 0.5));
        // when
        Admission.Decision d = admission.decide(10, 6, 1.0);
        // then lag 4 is two versions beyond: 0.5^2
        assertThat(d.admitted()).isTrue();
        assertThat(d.downWeighted()).isTrue();
        assertThat(d.weight()).isCloseTo(0.25, within(1e-12));
    }

    @Test
    void examplesFromANewerVersionThanTheTrainerHaveNoLag() {
        // given a trainer that restarted from an older checkpoint than the sampler's
        Admission admission = new Admission(StalenessConfig.defaults());
        // when / then
        assertThat(admission.decide(3, 5, 1.0).lag()).isZero();
    }
}
