package io.streamrlhf.trainer.canary;

import io.streamrlhf.avro.CanaryDecision;
import io.streamrlhf.avro.DecisionOutcome;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Which version the trainer must continue from, given the canary decisions of its model and the parents of its
 * versions. Weights descend from every version on their parent chain; when a version on that chain was rolled back
 * (or failed its gate) after the nearest promoted ancestor, training must continue from the last promoted version
 * instead (version 0, the warm start, when none was promoted yet). Pure state; not thread-safe.
 */
public final class RebasePolicy {

    private final String modelId;
    private final Map<Long, Long> parents = new HashMap<>();
    private final Map<Long, DecisionOutcome> rejected = new HashMap<>();
    private final Set<Long> promoted = new HashSet<>();
    private long lastPromoted = -1;

    /** A policy for the decisions about {@code modelId}; others are ignored. */
    public RebasePolicy(String modelId) {
        this.modelId = modelId;
    }

    /**
     * Where to continue from.
     *
     * @param target the last promoted version (or 0), whose weights the next version starts from
     * @param droppedFrom the version whose weights are dropped
     * @param reason e.g. {@code version 2 ROLLED_BACK}
     */
    public record Rebase(long target, long droppedFrom, String reason) {}

    /** A committed version and its parent (null for the warm start). */
    public void version(long version, Long parent) {
        if (parent != null) {
            parents.put(version, parent);
        }
    }

    /** One decision, in log order. */
    public void apply(CanaryDecision d) {
        if (!modelId.equals(d.getModelId())) {
            return;
        }
        switch (d.getOutcome()) {
            case PROMOTED -> {
                promoted.add(d.getVersion());
                lastPromoted = Math.max(lastPromoted, d.getVersion());
            }
            case ROLLED_BACK, GATE_FAILED -> rejected.put(d.getVersion(), d.getOutcome());
            default -> {}
        }
    }

    /** The last promoted version, -1 before the first promotion. */
    public long lastPromoted() {
        return lastPromoted;
    }

    /** The rebase needed when the trainer's weights are those of {@code current}, if any. */
    public Optional<Rebase> rebaseFor(long current) {
        Set<Long> seen = new HashSet<>();
        Long v = current;
        while (v != null && seen.add(v)) {
            DecisionOutcome outcome = rejected.get(v);
            if (outcome != null) {
                return Optional.of(new Rebase(Math.max(lastPromoted, 0), current, "version " + v + " " + outcome));
            }
            if (promoted.contains(v)) {
                return Optional.empty();
            }
            v = parents.get(v);
        }
        return Optional.empty();
    }
}
