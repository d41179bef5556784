package io.streamrlhf.streams.canary;

import io.streamrlhf.avro.PolicyVersion;
import io.streamrlhf.streams.avro.CanaryObservation;

/**
 * One record of the controller step, keyed by model id: an attributed observation or a published version (exactly
 * one is set). In-process only.
 *
 * @param observation an observation, or null
 * @param version a published version, or null
 */
public record ControllerInput(CanaryObservation observation, PolicyVersion version) {

    public static ControllerInput of(CanaryObservation o) {
        return new ControllerInput(o, null);
    }

    public static ControllerInput of(PolicyVersion v) {
        return new ControllerInput(null, v);
    }
}
