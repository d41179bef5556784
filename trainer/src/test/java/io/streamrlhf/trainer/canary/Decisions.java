package io.streamrlhf.trainer.canary;

import io.streamrlhf.avro.CanaryDecision;
import io.streamrlhf.avro.DecisionOutcome;
import java.time.Instant;

/** Canary decisions as the controller writes them, for the trainer's canary tests (times do not matter there). */
final class Decisions {

    private Decisions() {}

    static CanaryDecision decision(String model, long version, DecisionOutcome outcome) {
        return CanaryDecision.newBuilder()
                .setDecisionId(model + "/" + version + "/" + outcome)
                .setModelId(model)
                .setVersion(version)
                .setOutcome(outcome)
                .setStartedTime(Instant.EPOCH)
                .setDecidedTime(Instant.EPOCH)
                .build();
    }
}
