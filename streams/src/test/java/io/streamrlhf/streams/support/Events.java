package io.streamrlhf.streams.support;

import io.streamrlhf.avro.Feedback;
import io.streamrlhf.avro.FeedbackKind;
import io.streamrlhf.avro.PairwisePreference;
import io.streamrlhf.avro.PreferenceSource;
import io.streamrlhf.avro.Prompt;
import io.streamrlhf.avro.ResponseGenerated;
import io.streamrlhf.avro.ResponseSource;
import java.time.Instant;

/** Builders of input events for tests. */
public final class Events {

    private Events() {}

    public static ResponseGenerated response(
            String responseId, String promptId, String completion, long version, long time) {
        return ResponseGenerated.newBuilder()
                .setResponseId(responseId)
                .setPromptId(promptId)
                .setPrompt("prompt of " + promptId)
                .setCompletion(completion)
                .setPolicyVersion(version)
                .setSource(ResponseSource.PRODUCTION)
                .setEventTime(Instant.ofEpochMilli(time))
                .build();
    }

    public static ResponseGenerated rollout(
            String responseId, String promptId, String completion, long version, long time) {
        ResponseGenerated r = response(responseId, promptId, completion, version, time);
        r.setSource(ResponseSource.SAMPLED_ROLLOUT);
        return r;
    }

    public static Feedback feedback(String feedbackId, String responseId, String userId, FeedbackKind kind, long time) {
        return Feedback.newBuilder()
                .setFeedbackId(feedbackId)
                .setResponseId(responseId)
                .setUserId(userId)
                .setKind(kind)
                .setEventTime(Instant.ofEpochMilli(time))
                .build();
    }

    public static Feedback up(String feedbackId, String responseId, String userId, long time) {
        return feedback(feedbackId, responseId, userId, FeedbackKind.THUMBS_UP, time);
    }

    public static Feedback down(String feedbackId, String responseId, String userId, long time) {
        return feedback(feedbackId, responseId, userId, FeedbackKind.THUMBS_DOWN, time);
    }

    public static Feedback retract(String feedbackId, String responseId, String userId, long time) {
        return feedback(feedbackId, responseId, userId, FeedbackKind.RETRACT, time);
    }

    public static PairwisePreference preference(
            String preferenceId, String promptId, String chosen, String rejected, long time) {
        return PairwisePreference.newBuilder()
                .setPreferenceId(preferenceId)
                .setPromptId(promptId)
                .setChosenResponseId(chosen)
                .setRejectedResponseId(rejected)
                .setSource(PreferenceSource.HUMAN)
                .setEventTime(Instant.ofEpochMilli(time))
                .build();
    }

    public static Prompt prompt(String promptId, String task, String referenceAnswer, long time) {
        return Prompt.newBuilder()
                .setPromptId(promptId)
                .setText("prompt of " + promptId)
                .setTask(task)
                .setReferenceAnswer(referenceAnswer)
                .setEventTime(Instant.ofEpochMilli(time))
                .build();
    }
}
