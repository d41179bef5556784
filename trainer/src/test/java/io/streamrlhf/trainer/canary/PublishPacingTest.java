package io.streamrlhf.trainer.canary;

import static io.streamrlhf.trainer.canary.Decisions.decision;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamrlhf.avro.DecisionOutcome;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PublishPacingTest {

    @Test
    void aVersionRunningAsTheCanaryHoldsTheNextOneUntilItIsDecided() {
        PublishPacing pacing = new PublishPacing("m", 1);
        pacing.published(0);
        assertThat(pacing.mayPublish()).as("version 0 not yet promoted").isFalse();
        pacing.apply(decision("m", 0, DecisionOutcome.PROMOTED));
        assertThat(pacing.mayPublish()).isTrue();

        pacing.published(1);
        pacing.apply(decision("m", 1, DecisionOutcome.STARTED));
        assertThat(pacing.mayPublish()).isFalse();
        assertThat(pacing.undecided()).isEqualTo(1);
        assertThat(pacing.newestUndecided()).isEqualTo(1);

        pacing.apply(decision("m", 1, DecisionOutcome.PROMOTED));
        assertThat(pacing.mayPublish()).isTrue();
        assertThat(pacing.undecided()).isZero();
        assertThat(pacing.newestUndecided()).isEqualTo(-1);
    }

    @Test
    void everyFinalOutcomeReleasesTheHoldAndOthersDoNot() {
        Set<DecisionOutcome> decided = EnumSet.of(
                DecisionOutcome.PROMOTED,
                DecisionOutcome.ROLLED_BACK,
                DecisionOutcome.GATE_FAILED,
                DecisionOutcome.SUPERSEDED);
        for (DecisionOutcome outcome : DecisionOutcome.values()) {
            PublishPacing pacing = new PublishPacing("m", 1);
            pacing.published(4);
            pacing.apply(decision("m", 4, outcome));
            // STARTED, and the enum's default symbol for outcomes this reader does not know, keep the hold
            assertThat(pacing.mayPublish()).as("after %s", outcome).isEqualTo(decided.contains(outcome));
        }
    }

    @Test
    void decisionsOfOtherModelsAndOfOlderVersionsDoNotRelease() {
        PublishPacing pacing = new PublishPacing("m", 1);
        pacing.published(2);
        pacing.apply(decision("m@branch", 2, DecisionOutcome.PROMOTED));
        pacing.apply(decision("other", 2, DecisionOutcome.PROMOTED));
        pacing.apply(decision("m", 1, DecisionOutcome.SUPERSEDED));

        assertThat(pacing.mayPublish()).isFalse();
        assertThat(pacing.newestUndecided()).isEqualTo(2);
    }

    @Test
    void versionsOlderThanTheNewestDecidedOneNeverHold() {
        // given versions published before the controller ran, never decided, and a decided newer one (a restart
        // rebuilds this from the topics in log order)
        PublishPacing pacing = new PublishPacing("m", 1);
        for (long v = 0; v <= 5; v++) {
            pacing.published(v);
        }
        pacing.apply(decision("m", 5, DecisionOutcome.ROLLED_BACK));

        assertThat(pacing.mayPublish()).isTrue();
        // and a version decided before it was seen (decisions read after versions) is no longer counted
        pacing.published(3);
        assertThat(pacing.undecided()).isZero();
    }

    @Test
    void aLargerBoundLetsOneVersionWaitBehindTheCanary() {
        PublishPacing pacing = new PublishPacing("m", 2);
        pacing.published(0);
        pacing.apply(decision("m", 0, DecisionOutcome.PROMOTED));
        pacing.published(1);
        assertThat(pacing.mayPublish()).isTrue();
        pacing.published(2);
        assertThat(pacing.mayPublish()).isFalse();

        pacing.apply(decision("m", 1, DecisionOutcome.PROMOTED));
        assertThat(pacing.undecided()).isEqualTo(1);
        assertThat(pacing.mayPublish()).isTrue();
    }

    @Test
    void noBoundNeverHolds() {
        PublishPacing pacing = new PublishPacing("m", 0);
        for (long v = 0; v < 50; v++) {
            pacing.published(v);
        }
        assertThat(pacing.mayPublish()).isTrue();
        assertThatThrownBy(() -> new PublishPacing("m", -1)).isInstanceOf(IllegalArgumentException.class);
    }
}
