package io.streamrlhf.producers.config;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Settings of the idempotent producer behind {@code ChatFeedbackClient} and the other event emitters.
 *
 * <p>Properties (besides those of {@link KafkaConnection}; durations as in {@code 30s}, {@code 250ms}, {@code PT1M}):
 * <ul>
 *   <li>{@code client.id} (default {@code streamrlhf-client})</li>
 *   <li>{@code client.delivery.timeout} (default 2m): how long a write may take, retries included,
 *       before its future fails; Kafka's {@code delivery.timeout.ms}</li>
 *   <li>{@code client.request.timeout} (default 30s): one produce request's timeout</li>
 *   <li>{@code client.max.block} (default 1m): how long a send may wait for metadata or buffer
 *       space before it fails</li>
 *   <li>{@code client.linger} (default 5ms): batching delay</li>
 *   <li>{@code client.buffer.bytes} (default 33554432): producer buffer; when full, sends wait up to
 *       {@code client.max.block} and then fail as overloaded</li>
 *   <li>{@code client.user.id.secret} (default none): when set, user ids are written as keyed hashes
 *       ({@link UserPseudonyms})</li>
 * </ul>
 * Acknowledgement by all in-sync replicas and idempotence are not settings: they are always on.
 *
 * @param connection cluster, registry and topics
 * @param clientId Kafka client id
 * @param deliveryTimeout upper bound on one write, retries included
 * @param requestTimeout one produce request's timeout
 * @param maxBlock upper bound on waiting for metadata or buffer space inside {@code send}
 * @param linger batching delay
 * @param bufferBytes producer buffer size
 * @param userIds how user ids are written (as given, or pseudonymised)
 */
public record ClientConfig(
        KafkaConnection connection,
        String clientId,
        Duration deliveryTimeout,
        Duration requestTimeout,
        Duration maxBlock,
        Duration linger,
        long bufferBytes,
        UserPseudonyms userIds) {

    /** Validates every field; fails fast naming the bad value and the fix. */
    public ClientConfig {
        Objects.requireNonNull(connection, "connection");
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(userIds, "userIds");
        requirePositive(deliveryTimeout, "client.delivery.timeout");
        requirePositive(requestTimeout, "client.request.timeout");
        requirePositive(maxBlock, "client.max.block");
        Objects.requireNonNull(linger, "linger");
        if (linger.isNegative()) {
            throw new IllegalArgumentException("client.linger must be >= 0, was " + linger.toMillis());
        }
        if (deliveryTimeout.compareTo(requestTimeout.plus(linger)) < 0) {
            throw new IllegalArgumentException("client.delivery.timeout (" + deliveryTimeout.toMillis()
                    + ") must be at least client.request.timeout + client.linger ("
                    + requestTimeout.plus(linger).toMillis() + "): raise it or lower the request timeout");
        }
        if (bufferBytes < 1024 * 1024) {
            throw new IllegalArgumentException("client.buffer.bytes must be at least 1 MiB, was " + bufferBytes);
        }
    }

    /** Defaults for a chat product: Kafka's own patience (two minutes per write). */
    public static ClientConfig defaults(KafkaConnection connection) {
        return new ClientConfig(
                connection,
                "streamrlhf-client",
                Duration.ofMinutes(2),
                Duration.ofSeconds(30),
                Duration.ofMinutes(1),
                Duration.ofMillis(5),
                32L * 1024 * 1024,
                UserPseudonyms.off());
    }

    /** Reads the settings from properties, each defaulting to {@link #defaults}. */
    public static ClientConfig fromProperties(Map<String, String> props) {
        return fromProperties(props, defaults(KafkaConnection.fromProperties(props)));
    }

    /** Reads the settings from properties, each defaulting to the matching field of {@code defaults}. */
    public static ClientConfig fromProperties(Map<String, String> props, ClientConfig defaults) {
        return new ClientConfig(
                defaults.connection(),
                ProducerKeys.CLIENT_ID.ifSet(props).orElse(defaults.clientId()),
                ProducerKeys.CLIENT_DELIVERY_TIMEOUT.ifSet(props).orElse(defaults.deliveryTimeout()),
                ProducerKeys.CLIENT_REQUEST_TIMEOUT.ifSet(props).orElse(defaults.requestTimeout()),
                ProducerKeys.CLIENT_MAX_BLOCK.ifSet(props).orElse(defaults.maxBlock()),
                ProducerKeys.CLIENT_LINGER.ifSet(props).orElse(defaults.linger()),
                ProducerKeys.CLIENT_BUFFER_BYTES.ifSet(props).orElse(defaults.bufferBytes()),
                ProducerKeys.CLIENT_USER_ID_SECRET
                        .ifSet(props)
                        .map(UserPseudonyms::withSecret)
                        .orElse(defaults.userIds()));
    }

    /** The same settings with another client id. */
    public ClientConfig withClientId(String id) {
        return new ClientConfig(
                connection, id, deliveryTimeout, requestTimeout, maxBlock, linger, bufferBytes, userIds);
    }

    /** The same settings with other timeouts (delivery, request, max block). */
    public ClientConfig withTimeouts(Duration delivery, Duration request, Duration block) {
        return new ClientConfig(connection, clientId, delivery, request, block, linger, bufferBytes, userIds);
    }

    private static void requirePositive(Duration d, String key) {
        Objects.requireNonNull(d, key);
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(key + " must be positive, was " + d.toMillis() + " ms");
        }
    }
}
