package io.streamrlhf.producers.routing;

import io.streamrlhf.avro.CanaryDecision;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The routes of every model, as the canary decisions in log order make them: PROMOTED moves all traffic to the
 * version and ends its canary; STARTED makes the version the canary; ROLLED_BACK ends the canary, so traffic stays
 * on (returns to) the promoted parent; SUPERSEDED changes nothing. Applying the same log again gives the same
 * routes, so a follower that restarts rebuilds them by reading the topic from the beginning, and a decision read
 * twice counts once.
 */
public final class RoutingTable {

    private final Map<String, Route> routes = new ConcurrentHashMap<>();

    /** Applies one decision. */
    public void apply(CanaryDecision d) {
        String model = d.getModelId();
        long v = d.getVersion();
        routes.compute(model, (m, r) -> {
            Route now = r == null ? new Route(m, -1, -1) : r;
            return switch (d.getOutcome()) {
                case PROMOTED ->
                    v > now.promoted() || now.promoted() < 0
                            ? new Route(m, v, now.canary() == v ? -1 : now.canary())
                            : now;
                case STARTED -> v > now.promoted() ? new Route(m, now.promoted(), v) : now;
                case ROLLED_BACK -> now.canary() == v ? new Route(m, now.promoted(), -1) : now;
                case SUPERSEDED, GATE_FAILED, UNKNOWN -> now;
            };
        });
    }

    /** The model's route, empty before its first decision. */
    public Optional<Route> route(String modelId) {
        return Optional.ofNullable(routes.get(modelId));
    }
}
