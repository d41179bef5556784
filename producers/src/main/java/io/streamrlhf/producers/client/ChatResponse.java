package io.streamrlhf.producers.client;

import java.util.Objects;

/**
 * A response the chat product showed a user, as the client records it. Optional fields are {@code null} when
 * unknown; the client fills in a fresh response id when none is given.
 *
 * @param responseId unique id of the response, or {@code null} to let the client make one
 * @param conversationId conversation it belongs to, or {@code null}
 * @param promptId id of the prompt it answers (responses to the same prompt share it)
 * @param prompt the prompt text
 * @param completion the response text
 * @param modelId model family, or {@code null} for the default ({@code policy})
 * @param policyVersion the policy version that produced it, 0 when unknown
 * @param userId pseudonymous id of the user who saw it, or {@code null}
 * @param task task family (for example {@code chat}), or {@code null}
 */
public record ChatResponse(
        String responseId,
        String conversationId,
        String promptId,
        String prompt,
        String completion,
        String modelId,
        long policyVersion,
        String userId,
        String task) {

    /** Validates every field; fails fast naming the bad value and the fix. */
    public ChatResponse {
        Objects.requireNonNull(promptId, "promptId");
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(completion, "completion");
        if (promptId.isBlank()) {
            throw new IllegalArgumentException("promptId must not be blank");
        }
        if (responseId != null && responseId.isBlank()) {
            throw new IllegalArgumentException("responseId must be null (generated) or not blank");
        }
        if (policyVersion < 0) {
            throw new IllegalArgumentException("policyVersion must be >= 0, was " + policyVersion);
        }
    }

    /** A response with only the required fields. */
    public static ChatResponse of(String promptId, String prompt, String completion) {
        return new ChatResponse(null, null, promptId, prompt, completion, null, 0, null, null);
    }

    /** This response with an explicit id (for redeliveries that must share it). */
    public ChatResponse withResponseId(String id) {
        return new ChatResponse(id, conversationId, promptId, prompt, completion, modelId, policyVersion, userId, task);
    }

    /** This response as seen by {@code user} in {@code conversation}. */
    public ChatResponse withUser(String user, String conversation) {
        return new ChatResponse(
                responseId, conversation, promptId, prompt, completion, modelId, policyVersion, user, task);
    }

    /** This response as produced by {@code model} at {@code version}. */
    public ChatResponse withModel(String model, long version) {
        return new ChatResponse(responseId, conversationId, promptId, prompt, completion, model, version, userId, task);
    }

    /** This response tagged with a task family. */
    public ChatResponse withTask(String taskName) {
        return new ChatResponse(
                responseId, conversationId, promptId, prompt, completion, modelId, policyVersion, userId, taskName);
    }
}
