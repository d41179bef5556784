package io.streamrlhf.producers.config;

import java.util.Map;
import java.util.Objects;

/**
 * Settings of the simulated-users service: who the users are, and how it reads responses and writes feedback.
 *
 * <p>Properties: those of {@link PopulationConfig}, of {@link ClientConfig} (client id default
 * {@code streamrlhf-users}), plus {@code users.group.id} (default {@code streamrlhf-users}) and
 * {@code users.pending.prompts} (default 10000: prompts whose responses are remembered for A/B choices).
 *
 * @param population the users
 * @param groupId consumer group reading {@code rlhf.responses}
 * @param pendingPrompts bound on remembered prompts (least recently seen forgotten first)
 * @param client producer settings for the feedback and preference events
 */
public record UsersConfig(PopulationConfig population, String groupId, int pendingPrompts, ClientConfig client) {

    /** Validates every field; fails fast naming the bad value and the fix. */
    public UsersConfig {
        Objects.requireNonNull(population, "population");
        Objects.requireNonNull(groupId, "groupId");
        Objects.requireNonNull(client, "client");
        if (groupId.isBlank()) {
            throw new IllegalArgumentException("users.group.id must not be blank");
        }
        if (pendingPrompts < 1) {
            throw new IllegalArgumentException("users.pending.prompts must be >= 1, was " + pendingPrompts);
        }
    }

    /** Defaults on {@code connection}. */
    public static UsersConfig defaults(KafkaConnection connection) {
        return new UsersConfig(
                PopulationConfig.defaults(),
                "streamrlhf-users",
                10_000,
                ClientConfig.defaults(connection).withClientId("streamrlhf-users"));
    }

    /** Reads the settings from properties, each defaulting to {@link #defaults}. */
    public static UsersConfig fromProperties(Map<String, String> props) {
        UsersConfig d = defaults(KafkaConnection.fromProperties(props, "users"));
        return new UsersConfig(
                PopulationConfig.fromProperties(props),
                ProducerKeys.USERS_GROUP_ID.get(props),
                ProducerKeys.USERS_PENDING_PROMPTS.get(props),
                ClientConfig.fromProperties(props, d.client));
    }
}
