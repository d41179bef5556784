package io.streamrlhf.producers.gateway;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.streamrlhf.avro.FeedbackKind;
import io.streamrlhf.producers.client.ChatResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Turns request bodies into validated requests, strictly: a JSON object, no unknown or duplicate fields, each
 * field of its declared type, required ones present. Every refusal is an {@link InvalidRequestException} with a
 * reason naming the field, so a front-end developer can fix the call from the answer alone.
 */
public final class RequestParser {

    /** Longest accepted id (response, prompt, user, ...). */
    public static final int MAX_ID_CHARS = 256;
    /** Longest accepted comment. */
    public static final int MAX_COMMENT_CHARS = 4000;

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private static final Set<String> RESPONSE_FIELDS = Set.of(
            "responseId",
            "conversationId",
            "promptId",
            "prompt",
            "completion",
            "modelId",
            "policyVersion",
            "userId",
            "task");
    private static final Set<String> FEEDBACK_FIELDS = Set.of("responseId", "userId", "kind", "comment", "feedbackId");
    private static final Set<String> PREFERENCE_FIELDS =
            Set.of("promptId", "chosenResponseId", "rejectedResponseId", "userId", "preferenceId");

    /** Parses a {@code POST /v1/responses} body. */
    public ChatResponse parseResponse(byte[] body) {
        Fields f = new Fields(object(body), RESPONSE_FIELDS);
        String prompt = f.text("prompt", true);
        if (prompt.isEmpty()) {
            throw InvalidRequestException.badRequest("field 'prompt' must not be empty");
        }
        return new ChatResponse(
                f.id("responseId", false),
                f.id("conversationId", false),
                f.id("promptId", true),
                prompt,
                f.text("completion", true),
                f.id("modelId", false),
                f.nonNegativeLong("policyVersion"),
                f.id("userId", false),
                f.id("task", false));
    }

    /** Parses a {@code POST /v1/feedback} body. */
    public FeedbackRequest parseFeedback(byte[] body) {
        Fields f = new Fields(object(body), FEEDBACK_FIELDS);
        FeedbackRequest request = new FeedbackRequest(
                f.id("responseId", true),
                f.id("userId", true),
                f.feedbackKind("kind"),
                f.text("comment", false),
                f.id("feedbackId", false));
        if (request.comment() != null && request.comment().length() > MAX_COMMENT_CHARS) {
            throw InvalidRequestException.badRequest(
                    "field 'comment' is longer than " + MAX_COMMENT_CHARS + " characters");
        }
        return request;
    }

    /** Parses a {@code POST /v1/preferences} body. */
    public PreferenceRequest parsePreference(byte[] body) {
        Fields f = new Fields(object(body), PREFERENCE_FIELDS);
        PreferenceRequest request = new PreferenceRequest(
                f.id("promptId", true),
                f.id("chosenResponseId", true),
                f.id("rejectedResponseId", true),
                f.id("userId", false),
                f.id("preferenceId", false));
        if (request.chosenResponseId().equals(request.rejectedResponseId())) {
            throw InvalidRequestException.unprocessable("chosenResponseId and rejectedResponseId must differ");
        }
        return request;
    }

    private static JsonNode object(byte[] body) {
        if (body.length == 0) {
            throw InvalidRequestException.badRequest("empty body: send a JSON object");
        }
        JsonNode node;
        try {
            node = MAPPER.readTree(body);
        } catch (JacksonException e) {
            throw InvalidRequestException.badRequest("malformed JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw InvalidRequestException.badRequest("unreadable body: " + e.getMessage());
        }
        if (node == null || !node.isObject()) {
            throw InvalidRequestException.badRequest("body must be a JSON object");
        }
        return node;
    }

    /** Typed access to an object's fields; a JSON {@code null} counts as absent. */
    private static final class Fields {
        private final JsonNode node;

        Fields(JsonNode node, Set<String> allowed) {
            this.node = node;
            List<String> unknown = new ArrayList<>();
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                String name = it.next();
                if (!allowed.contains(name)) {
                    unknown.add(name);
                }
            }
            if (!unknown.isEmpty()) {
                throw InvalidRequestException.badRequest("unknown field(s) " + unknown + "; accepted: "
                        + allowed.stream().sorted().toList());
            }
        }

        String text(String name, boolean required) {
            JsonNode value = node.get(name);
            if (value == null || value.isNull()) {
                if (required) {
                    throw InvalidRequestException.badRequest("missing field '" + name + "' (string)");
                }
                return null;
            }
            if (!value.isTextual()) {
                throw InvalidRequestException.badRequest("field '" + name + "' must be a string, was "
                        + value.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
            }
            return value.textValue();
        }

        String id(String name, boolean required) {
            String value = text(name, required);
            if (value == null) {
                return null;
            }
            if (value.isBlank()
                    || value.length() > MAX_ID_CHARS
                    || value.chars().anyMatch(Character::isISOControl)) {
                throw InvalidRequestException.badRequest("field '" + name + "' must be a non-blank id of at most "
                        + MAX_ID_CHARS + " characters without control characters");
            }
            return value;
        }

        long nonNegativeLong(String name) {
            JsonNode value = node.get(name);
            if (value == null || value.isNull()) {
                return 0;
            }
            if (!value.isIntegralNumber() || !value.canConvertToLong()) {
                throw InvalidRequestException.badRequest("field '" + name + "' must be an integer, was "
                        + value.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
            }
            if (value.longValue() < 0) {
                throw InvalidRequestException.badRequest("field '" + name + "' must be >= 0, was " + value.longValue());
            }
            return value.longValue();
        }

        FeedbackKind feedbackKind(String name) {
            String value = text(name, true);
            try {
                return FeedbackKind.valueOf(value);
            } catch (IllegalArgumentException e) {
                throw InvalidRequestException.badRequest("field '" + name + "' must be one of "
                        + Arrays.toString(FeedbackKind.values()) + ", was '" + value + "'");
            }
        }
    }
}
