package io.streamrlhf.trainer.canary;

import static io.streamrlhf.trainer.canary.Decisions.decision;
import static org.assertj.core.api.Assertions.assertThat;

import io.streamrlhf.avro.DecisionOutcome;
import org.junit.jupiter.api.Test;

class RebasePolicyTest {

    private final RebasePolicy policy = new RebasePolicy("m");

    /** 0 <- 1 <- 2 <- 3: a linear history. */
    private void linear(int newest) {
        policy.version(0, null);
        for (long v = 1; v <= newest; v++) {
            policy.version(v, v - 1);
        }
    }

    @Test
    void rollbackOfTheCurrentVersionRebasesOntoTheLastPromoted() {
        linear(2);
        policy.apply(decision("m", 0, DecisionOutcome.PROMOTED));
        policy.apply(decision("m", 1, DecisionOutcome.PROMOTED));
        policy.apply(decision("m", 2, DecisionOutcome.ROLLED_BACK));

        assertThat(policy.rebaseFor(2)).contains(new RebasePolicy.Rebase(1, 2, "version 2 ROLLED_BACK"));
    }

    @Test
    void rollbackOfAnAncestorAfterThePromotedOneRebasesItsDescendants() {
        linear(4);
        policy.apply(decision("m", 1, DecisionOutcome.PROMOTED));
        policy.apply(decision("m", 2, DecisionOutcome.GATE_FAILED));

        assertThat(policy.rebaseFor(4)).contains(new RebasePolicy.Rebase(1, 4, "version 2 GATE_FAILED"));
    }

    @Test
    void versionsTrainedFromThePromotedOneAfterTheRebaseAreClean() {
        linear(2);
        policy.version(3, 1L);
        policy.apply(decision("m", 1, DecisionOutcome.PROMOTED));
        policy.apply(decision("m", 2, DecisionOutcome.ROLLED_BACK));

        assertThat(policy.rebaseFor(3)).isEmpty();
        assertThat(policy.rebaseFor(1)).isEmpty();
    }

    @Test
    void rollbackBeforeAnyPromotionGoesBackToTheWarmStart() {
        linear(1);
        policy.apply(decision("m", 1, DecisionOutcome.ROLLED_BACK));

        assertThat(policy.rebaseFor(1)).contains(new RebasePolicy.Rebase(0, 1, "version 1 ROLLED_BACK"));
    }

    @Test
    void aRejectionBeforeAPromotedAncestorDoesNotCount() {
        // 2 was rolled back, yet 3 (its child, which waited) was promoted afterwards: 4 continues from 3
        linear(4);
        policy.apply(decision("m", 2, DecisionOutcome.ROLLED_BACK));
        policy.apply(decision("m", 3, DecisionOutcome.PROMOTED));

        assertThat(policy.rebaseFor(4)).isEmpty();
    }

    @Test
    void decisionsAboutOtherModelsAndOtherOutcomesAreIgnored() {
        linear(2);
        policy.apply(decision("other", 2, DecisionOutcome.ROLLED_BACK));
        policy.apply(decision("m", 2, DecisionOutcome.STARTED));
        policy.apply(decision("m", 2, DecisionOutcome.SUPERSEDED));

        assertThat(policy.rebaseFor(2)).isEmpty();
        assertThat(policy.lastPromoted()).isEqualTo(-1);
    }
}
