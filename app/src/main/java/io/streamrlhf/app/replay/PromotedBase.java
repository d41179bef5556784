package io.streamrlhf.app.replay;

import io.streamrlhf.avro.CanaryDecision;
import io.streamrlhf.avro.DecisionOutcome;
import io.streamrlhf.schemas.topic.Topic;
import io.streamrlhf.trainer.canary.DecisionLog;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The default base of a branch when canaries run: the main model's latest promoted version, the one its users are
 * served, rather than its latest committed one, which may be a canary still being decided, a rolled-back version or
 * one that never served. A model with no decision (canaries off) has no such default.
 */
public final class PromotedBase {

    private PromotedBase() {}

    /**
     * The version the last PROMOTED decision about {@code modelId} names (in log order); version 0 when the model has
     * decisions but none promoted; empty when it has none.
     */
    public static OptionalLong of(List<CanaryDecision> decisions, String modelId) {
        boolean any = false;
        long promoted = 0;
        for (CanaryDecision d : decisions) {
            if (!modelId.equals(d.getModelId())) {
                continue;
            }
            any = true;
            if (d.getOutcome() == DecisionOutcome.PROMOTED) {
                promoted = d.getVersion();
            }
        }
        return any ? OptionalLong.of(promoted) : OptionalLong.empty();
    }

    /** {@link #of} over the committed decisions of {@code topic} (a missing topic holds none). */
    public static OptionalLong read(
            String bootstrapServers,
            Map<String, ?> overrides,
            Topic<String, CanaryDecision> topic,
            String modelId,
            Duration timeout) {
        try (DecisionLog log = new DecisionLog(bootstrapServers, overrides, topic)) {
            return of(log.readToEnd(timeout), modelId);
        }
    }
}
