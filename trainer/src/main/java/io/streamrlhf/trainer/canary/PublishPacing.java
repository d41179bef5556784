package io.streamrlhf.trainer.canary;

import io.streamrlhf.avro.CanaryDecision;
import java.util.TreeSet;

/**
 * Whether the trainer may publish its next version now, given how many of its published versions still await their
 * canary decision. The canary controller runs one canary at a time per model: a version published while another
 * waits or runs is not served until that one is decided, and all but the newest of those waiting are superseded.
 * A trainer publishing on its own clock then runs tens of versions ahead of what serves, and every example it
 * receives is that far behind its weights. With a bound of {@code maxUndecided} the trainer publishes only while
 * fewer of its versions are undecided; it keeps training meanwhile and publishes once when a decision arrives.
 *
 * <p>A version is decided once it was promoted, rolled back, failed its gate or was superseded; only versions newer
 * than the newest decided one count as undecided (the controller decides a model's versions in order, and an older
 * one that never got a decision, such as one published before the controller ran, can no longer serve). Decisions
 * of other models are ignored. Pure state, rebuilt from the versions and decisions topics on every start; not
 * thread-safe.
 */
public final class PublishPacing {

    private final String modelId;
    private final int maxUndecided;
    private final TreeSet<Long> published = new TreeSet<>();
    private long newestDecided = -1;

    /**
     * @param modelId the model whose decisions count
     * @param maxUndecided how many published versions may await their decision at once; 0: no bound
     */
    public PublishPacing(String modelId, int maxUndecided) {
        if (maxUndecided < 0) {
            throw new IllegalArgumentException("maxUndecided must be 0 or more, was " + maxUndecided);
        }
        this.modelId = modelId;
        this.maxUndecided = maxUndecided;
    }

    /** A version of the model was committed (read at start, or just published). */
    public void published(long version) {
        if (version > newestDecided) {
            published.add(version);
        }
    }

    /** One decision, in log order. */
    public void apply(CanaryDecision d) {
        if (!modelId.equals(d.getModelId())) {
            return;
        }
        switch (d.getOutcome()) {
            case PROMOTED, ROLLED_BACK, GATE_FAILED, SUPERSEDED -> {
                newestDecided = Math.max(newestDecided, d.getVersion());
                published.headSet(newestDecided, true).clear();
            }
            default -> {}
        }
    }

    /** The published versions newer than the newest decided one. */
    public int undecided() {
        return published.size();
    }

    /** The newest published version still awaiting its decision, -1 when none does. */
    public long newestUndecided() {
        return published.isEmpty() ? -1 : published.last();
    }

    /** Whether a version may be published now: fewer than the bound are undecided, or there is no bound. */
    public boolean mayPublish() {
        return maxUndecided == 0 || published.size() < maxUndecided;
    }
}
