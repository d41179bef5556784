package io.streamrlhf.producers.gateway;

import io.streamrlhf.avro.FeedbackKind;

/**
 * A validated {@code POST /v1/feedback} body.
 *
 * @param responseId the rated response
 * @param userId who rated it
 * @param kind thumbs up, thumbs down or retract
 * @param comment optional comment, or {@code null}
 * @param feedbackId client-chosen id for safe retries, or {@code null}
 */
public record FeedbackRequest(String responseId, String userId, FeedbackKind kind, String comment, String feedbackId) {}
