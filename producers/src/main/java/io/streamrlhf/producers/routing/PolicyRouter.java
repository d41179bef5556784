package io.streamrlhf.producers.routing;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;
import java.util.Optional;

/**
 * Chooses the version a user sees: the canary for a {@code share} of users, the promoted version otherwise. The
 * choice is sticky: a user's bucket is the SHA-256 of the user id and the canary version, read as a number in
 * [0, 1), so the same user sees the same version for the whole canary, and each new canary draws a fresh set of
 * users.
 */
public final class PolicyRouter {

    private final RoutingTable table;
    private final double share;

    /**
     * @param table the routes
     * @param share the canary's share of users and rollouts, in [0, 1]
     */
    public PolicyRouter(RoutingTable table, double share) {
        this.table = Objects.requireNonNull(table, "table");
        if (!(share >= 0 && share <= 1)) {
            throw new IllegalArgumentException("canary.share must be in [0, 1], got " + share);
        }
        this.share = share;
    }

    /** The version {@code userId} should see, empty before the model's first decision. */
    public Optional<Long> versionFor(String modelId, String userId) {
        Objects.requireNonNull(userId, "userId");
        return table.route(modelId)
                .map(r -> r.hasCanary() && bucket(userId, r.canary()) < share ? r.canary() : r.promoted());
    }

    /**
     * The version a rollout should use given a uniform draw {@code u} in [0, 1): the canary when {@code u < share}
     * and a canary runs. Empty before the model's first decision.
     */
    public Optional<Long> versionForDraw(String modelId, double u) {
        return table.route(modelId).map(r -> r.hasCanary() && u < share ? r.canary() : r.promoted());
    }

    /** The model's route. */
    public Optional<Route> route(String modelId) {
        return table.route(modelId);
    }

    /** The canary's share. */
    public double share() {
        return share;
    }

    /** The user's bucket in [0, 1) for {@code canaryVersion}. */
    static double bucket(String userId, long canaryVersion) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(userId.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0x1f);
            sha.update(Long.toString(canaryVersion).getBytes(StandardCharsets.UTF_8));
            long top = ByteBuffer.wrap(sha.digest()).getLong() >>> 11;
            return top / (double) (1L << 53);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
