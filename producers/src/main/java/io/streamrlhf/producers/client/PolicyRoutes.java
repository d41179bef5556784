package io.streamrlhf.producers.client;

import io.streamrlhf.producers.config.KafkaConnection;
import io.streamrlhf.producers.routing.DecisionFollower;
import io.streamrlhf.producers.routing.PolicyRouter;
import io.streamrlhf.producers.routing.RoutingTable;
import io.streamrlhf.schemas.topic.Topics;
import java.util.Objects;
import java.util.Optional;

/**
 * For a chat product that speaks Kafka: which policy version to answer a user with, following the canary decisions
 * topic the way the gateway's {@code GET /v1/policy} does (same routes, same sticky choice).
 *
 * <pre>{@code
 * try (PolicyRoutes routes = PolicyRoutes.follow(connection, topics, "policy", 0.1)) {
 *     long version = routes.versionFor(userId).orElse(0L);
 * }
 * }</pre>
 */
public final class PolicyRoutes implements AutoCloseable {

    private final String modelId;
    private final PolicyRouter router;
    private final DecisionFollower follower;

    private PolicyRoutes(String modelId, PolicyRouter router, DecisionFollower follower) {
        this.modelId = modelId;
        this.router = router;
        this.follower = follower;
    }

    /**
     * Starts following the decisions of {@code modelId} on a daemon thread.
     *
     * @param connection the cluster and its client settings
     * @param topics the typed topics (the decisions topic among them)
     * @param modelId the model whose versions are routed
     * @param share the canary's share of users ({@code canary.share})
     */
    public static PolicyRoutes follow(KafkaConnection connection, Topics topics, String modelId, double share) {
        Objects.requireNonNull(modelId, "modelId");
        RoutingTable table = new RoutingTable();
        DecisionFollower follower = new DecisionFollower(
                        connection.bootstrapServers(), connection.clientOverrides(), topics.policyDecisions(), table)
                .start("policy-routes-" + modelId);
        return new PolicyRoutes(modelId, new PolicyRouter(table, share), follower);
    }

    /** The version {@code userId} should see; empty until the routes are rebuilt and the model has a decision. */
    public Optional<Long> versionFor(String userId) {
        return follower.caughtUp() ? router.versionFor(modelId, userId) : Optional.empty();
    }

    /** True once the decisions committed before the start are applied. */
    public boolean ready() {
        return follower.caughtUp();
    }

    @Override
    public void close() {
        follower.close();
    }
}
