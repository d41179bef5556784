package io.streamrlhf.streams.canary;

import io.streamrlhf.avro.CanaryDecision;
import io.streamrlhf.avro.CanaryEvidence;

/**
 * One record the controller step sends, keyed by model id: a decision (for the decisions topic) or a running
 * canary's current statistics (for the evidence topic); exactly one is set. In-process only: the topology splits
 * them onto their topics, so both are written in the transaction that stores the state they came from.
 *
 * @param decision a decision, or null
 * @param evidence live statistics, or null
 */
public record ControllerOutput(CanaryDecision decision, CanaryEvidence evidence) {

    public static ControllerOutput of(CanaryDecision d) {
        return new ControllerOutput(d, null);
    }

    public static ControllerOutput of(CanaryEvidence e) {
        return new ControllerOutput(null, e);
    }

    /** True for a decision. */
    public boolean isDecision() {
        return decision != null;
    }
}
