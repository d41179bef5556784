package io.streamrlhf.producers.gateway;

/**
 * A validated {@code POST /v1/preferences} body.
 *
 * @param promptId the prompt both responses answer
 * @param chosenResponseId the preferred response
 * @param rejectedResponseId the other one
 * @param userId who chose, or {@code null}
 * @param preferenceId client-chosen id for safe retries, or {@code null}
 */
public record PreferenceRequest(
        String promptId, String chosenResponseId, String rejectedResponseId, String userId, String preferenceId) {}
