package io.streamrlhf.app.replay;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrlhf.avro.CanaryDecision;
import io.streamrlhf.avro.DecisionOutcome;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class PromotedBaseTest {

    @Test
    void aModelWithoutDecisionsHasNoPromotedBase() {
        assertThat(PromotedBase.of(List.of(), "policy")).isEmpty();
        assertThat(PromotedBase.of(List.of(decision("other", 3, DecisionOutcome.PROMOTED)), "policy"))
                .isEmpty();
    }

    @Test
    void theLastPromotedVersionInLogOrderIsTheBaseNotALaterCanaryOrRollback() {
        List<CanaryDecision> log = List.of(
                decision("policy", 0, DecisionOutcome.PROMOTED),
                decision("policy", 1, DecisionOutcome.STARTED),
                decision("policy", 1, DecisionOutcome.PROMOTED),
                decision("other", 7, DecisionOutcome.PROMOTED),
                decision("policy", 2, DecisionOutcome.STARTED),
                decision("policy", 2, DecisionOutcome.ROLLED_BACK),
                decision("policy", 3, DecisionOutcome.GATE_FAILED),
                decision("policy", 4, DecisionOutcome.SUPERSEDED),
                decision("policy", 5, DecisionOutcome.STARTED));

        assertThat(PromotedBase.of(log, "policy")).hasValue(1);
    }

    @Test
    void decisionsWithoutAPromotionGiveVersionZero() {
        assertThat(PromotedBase.of(List.of(decision("policy", 4, DecisionOutcome.STARTED)), "policy"))
                .hasValue(0);
    }

    private static CanaryDecision decision(String model, long version, DecisionOutcome outcome) {
        return CanaryDecision.newBuilder()
                .setDecisionId(model + "/" + version + "/" + outcome)
                .setModelId(model)
                .setVersion(version)
                .setParentVersion(null)
                .setOutcome(outcome)
                .setReason("test")
                .setAlpha(0.05)
                .setStartedTime(Instant.EPOCH)
                .setDecidedTime(Instant.EPOCH)
                .build();
    }
}
