package io.streamrlhf.streams.deadletter;

import io.streamrlhf.avro.Feedback;
import io.streamrlhf.avro.PairwisePreference;
import io.streamrlhf.avro.Prompt;
import io.streamrlhf.avro.ResponseGenerated;
import io.streamrlhf.streams.config.ValidationConfig;
import java.util.Optional;

/** The validation rules of each input topic. */
public final class InputValidators {

    private final ValidationConfig config;

    public InputValidators(ValidationConfig config) {
        this.config = config;
    }

    /** Responses: keyed by response id, with a prompt id, prompt and completion within the size limit. */
    public Validator<ResponseGenerated> responses() {
        return (key, r) -> {
            long v = r.getPolicyVersion();
            if (blank(r.getResponseId())) {
                return fail(DeadLetterReason.MISSING_FIELD, "responseId is blank", v);
            }
            if (!r.getResponseId().equals(key)) {
                return fail(DeadLetterReason.KEY_MISMATCH, keyMismatch(key, "responseId", r.getResponseId()), v);
            }
            if (blank(r.getPromptId())) {
                return fail(DeadLetterReason.MISSING_FIELD, "promptId is blank", v);
            }
            if (blank(r.getPrompt())) {
                return fail(DeadLetterReason.MISSING_PROMPT, "prompt is blank", v);
            }
            if (blank(r.getCompletion())) {
                return fail(DeadLetterReason.MISSING_COMPLETION, "completion is blank", v);
            }
            if (r.getCompletion().length() > config.maxCompletionChars()) {
                return fail(
                        DeadLetterReason.COMPLETION_TOO_LONG,
                        "completion has " + r.getCompletion().length()
                                + " characters, more than validation.max.completion.chars="
                                + config.maxCompletionChars(),
                        v);
            }
            return Optional.empty();
        };
    }

    /** Feedback: keyed by the rated response id, with feedback and user ids. */
    public Validator<Feedback> feedback() {
        return (key, f) -> {
            if (blank(f.getFeedbackId()) || blank(f.getUserId()) || blank(f.getResponseId())) {
                return fail(DeadLetterReason.MISSING_FIELD, "feedbackId, userId and responseId must not be blank", -1);
            }
            if (!f.getResponseId().equals(key)) {
                return fail(DeadLetterReason.KEY_MISMATCH, keyMismatch(key, "responseId", f.getResponseId()), -1);
            }
            return Optional.empty();
        };
    }

    /** Preferences: keyed by prompt id, naming two different responses. */
    public Validator<PairwisePreference> preferences() {
        return (key, p) -> {
            if (blank(p.getPreferenceId())
                    || blank(p.getPromptId())
                    || blank(p.getChosenResponseId())
                    || blank(p.getRejectedResponseId())) {
                return fail(
                        DeadLetterReason.MISSING_FIELD,
                        "preferenceId, promptId, chosenResponseId and rejectedResponseId must not be blank",
                        -1);
            }
            if (!p.getPromptId().equals(key)) {
                return fail(DeadLetterReason.KEY_MISMATCH, keyMismatch(key, "promptId", p.getPromptId()), -1);
            }
            if (p.getChosenResponseId().equals(p.getRejectedResponseId())) {
                return fail(
                        DeadLetterReason.SAME_RESPONSE, "chosen and rejected are both " + p.getChosenResponseId(), -1);
            }
            return Optional.empty();
        };
    }

    /** Prompts: keyed by prompt id, with text. */
    public Validator<Prompt> prompts() {
        return (key, p) -> {
            if (blank(p.getPromptId())) {
                return fail(DeadLetterReason.MISSING_FIELD, "promptId is blank", -1);
            }
            if (!p.getPromptId().equals(key)) {
                return fail(DeadLetterReason.KEY_MISMATCH, keyMismatch(key, "promptId", p.getPromptId()), -1);
            }
            if (blank(p.getText())) {
                return fail(DeadLetterReason.MISSING_PROMPT, "prompt text is blank", -1);
            }
            return Optional.empty();
        };
    }

    private static String keyMismatch(String key, String field, String id) {
        return "key '" + key + "' is not " + field + " '" + id + "'";
    }

    private static boolean blank(CharSequence s) {
        return s == null || s.toString().isBlank();
    }

    private static Optional<Violation> fail(DeadLetterReason reason, String detail, long version) {
        return Optional.of(new Violation(reason, detail, version));
    }
}
