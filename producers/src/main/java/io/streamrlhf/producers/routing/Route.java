package io.streamrlhf.producers.routing;

/**
 * Where a model's traffic goes now.
 *
 * @param modelId the model family
 * @param promoted the promoted version (all traffic but the canary's share), or -1 before the first decision
 * @param canary the running canary, or -1 when none runs
 */
public record Route(String modelId, long promoted, long canary) {

    /** True when a canary is running. */
    public boolean hasCanary() {
        return canary >= 0;
    }
}
