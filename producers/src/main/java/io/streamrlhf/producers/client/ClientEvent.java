package io.streamrlhf.producers.client;

import io.streamrlhf.avro.Feedback;
import io.streamrlhf.avro.PairwisePreference;
import io.streamrlhf.avro.ResponseGenerated;
import io.streamrlhf.avro.UserErased;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;

/**
 * One event exactly as the client built it: its id and event time are fixed once, so sending it again (after a
 * failure whose outcome is unknown) writes the same record, which the streams recognise as a redelivery.
 *
 * @param id the event's id (response, feedback, preference or erasure request id)
 * @param key the Kafka key it is written under (response id, prompt id for preferences, user id for erasures)
 * @param value the Avro record: a {@link ResponseGenerated}, {@link Feedback}, {@link PairwisePreference} or
 *     {@link UserErased}
 */
public record ClientEvent(String id, String key, SpecificRecord value) {

    public ClientEvent {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        if (!(value instanceof ResponseGenerated
                || value instanceof Feedback
                || value instanceof PairwisePreference
                || value instanceof UserErased)) {
            throw new IllegalArgumentException(
                    "not a client event: " + value.getClass().getName());
        }
    }

    /** A response event, keyed and identified by its response id. */
    public static ClientEvent of(ResponseGenerated response) {
        return new ClientEvent(response.getResponseId(), response.getResponseId(), response);
    }

    /** A feedback event, keyed by the response it rates. */
    public static ClientEvent of(Feedback feedback) {
        return new ClientEvent(feedback.getFeedbackId(), feedback.getResponseId(), feedback);
    }

    /** An erasure request, keyed by the user it erases and identified by its request id. */
    public static ClientEvent of(UserErased erasure) {
        return new ClientEvent(erasure.getRequestId(), erasure.getUserId(), erasure);
    }

    /** A preference event, keyed by its prompt. */
    public static ClientEvent of(PairwisePreference preference) {
        return new ClientEvent(preference.getPreferenceId(), preference.getPromptId(), preference);
    }
}
