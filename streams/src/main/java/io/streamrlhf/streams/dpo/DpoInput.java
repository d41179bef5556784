package io.streamrlhf.streams.dpo;

import io.streamrlhf.avro.PairwisePreference;
import io.streamrlhf.avro.Prompt;
import io.streamrlhf.streams.avro.ResponseSnapshot;
import io.streamrlhf.streams.common.Sourced;

/**
 * One of the inputs of the per-prompt DPO processors, all keyed by prompt id. Stays inside the process; exactly one
 * field is set.
 *
 * @param response a response (repartitioned by prompt id)
 * @param preference an explicit preference
 * @param prompt a prompt
 */
public record DpoInput(ResponseSnapshot response, Sourced<PairwisePreference> preference, Sourced<Prompt> prompt) {

    public static DpoInput ofResponse(ResponseSnapshot response) {
        return new DpoInput(response, null, null);
    }

    public static DpoInput ofPreference(Sourced<PairwisePreference> preference) {
        return new DpoInput(null, preference, null);
    }

    public static DpoInput ofPrompt(Sourced<Prompt> prompt) {
        return new DpoInput(null, null, prompt);
    }
}
