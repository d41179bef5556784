package io.streamrlhf.producers.config;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Settings of the HTTP ingestion gateway.
 *
 * <p>Properties (plus those of {@link ClientConfig}, whose gateway defaults are shorter so that a request
 * fails with 503 within seconds instead of hanging for Kafka's two minutes):
 * <ul>
 *   <li>{@code gateway.api.keys}: comma-separated API keys; required, no default</li>
 *   <li>{@code gateway.erase.api.keys}: comma-separated API keys with the erase scope (default none: the
 *       gateway then erases nobody)</li>
 *   <li>{@code gateway.bind.address} (default {@code 0.0.0.0}), {@code gateway.port} (default 8080; 0 picks a
 *       free port)</li>
 *   <li>{@code gateway.max.body.bytes} (default 65536): larger bodies get 413</li>
 *   <li>{@code gateway.response.id.check} (default {@code topic}): {@code topic} rejects feedback for a
 *       response id not among the recent ones on the responses topic (tailed by the gateway, so responses
 *       recorded any way count, and a restart remembers them); {@code recent} knows only responses recorded
 *       through this gateway instance; {@code off} accepts any id</li>
 *   <li>{@code gateway.recent.response.ids} (default 100000): how many recent response ids are remembered
 *       (and, with {@code topic}, how far back the tail starts)</li>
 *   <li>{@code gateway.threads} (default 32), {@code gateway.max.in.flight} (default 1024: more concurrent
 *       requests get 429)</li>
 *   <li>{@code gateway.retry.after.overloaded} (default 1s) and {@code gateway.retry.after.unavailable}
 *       (default 5s): the Retry-After of 429 and 503 answers</li>
 *   <li>client defaults: {@code client.id=streamrlhf-gateway}, {@code client.delivery.timeout=10s},
 *       {@code client.request.timeout=5s}, {@code client.max.block=2s}</li>
 * </ul>
 *
 * @param apiKeys accepted API keys
 * @param eraseApiKeys API keys with the erase scope, the only ones {@code DELETE /v1/users/{id}} accepts
 * @param bindAddress address to listen on
 * @param port port to listen on, 0 for a free one
 * @param maxBodyBytes largest accepted request body
 * @param responseIdCheck whether feedback must name a response this gateway recorded
 * @param recentResponseIds capacity of the recent-response-id memory
 * @param threads request-handling threads
 * @param maxInFlight requests handled or queued at once before 429
 * @param overloadedRetryAfter Retry-After of a 429
 * @param unavailableRetryAfter Retry-After of a 503
 * @param idempotencyTtl how long an idempotency key and its write are remembered
 * @param idempotencyMaxBytes memory bound of the remembered idempotency keys
 * @param client producer settings
 */
public record GatewayConfig(
        Set<String> apiKeys,
        Set<String> eraseApiKeys,
        String bindAddress,
        int port,
        int maxBodyBytes,
        ResponseIdCheck responseIdCheck,
        int recentResponseIds,
        int threads,
        int maxInFlight,
        Duration overloadedRetryAfter,
        Duration unavailableRetryAfter,
        Duration idempotencyTtl,
        long idempotencyMaxBytes,
        ClientConfig client) {

    /** Whether the gateway checks that feedback and preferences name known responses. */
    public enum ResponseIdCheck {
        /** Accept any response id. */
        OFF,
        /** Accept only response ids recorded through this gateway and still in its recent memory. */
        RECENT,
        /** As {@link #RECENT}, plus every response id on the responses topic (tailed from the recent past). */
        TOPIC
    }

    /** Validates every field; fails fast naming the bad value and the fix. */
    public GatewayConfig {
        Objects.requireNonNull(apiKeys, "apiKeys");
        Objects.requireNonNull(bindAddress, "bindAddress");
        Objects.requireNonNull(responseIdCheck, "responseIdCheck");
        Objects.requireNonNull(overloadedRetryAfter, "overloadedRetryAfter");
        Objects.requireNonNull(unavailableRetryAfter, "unavailableRetryAfter");
        Objects.requireNonNull(client, "client");
        apiKeys = Set.copyOf(apiKeys);
        eraseApiKeys = Set.copyOf(Objects.requireNonNull(eraseApiKeys, "eraseApiKeys"));
        if (eraseApiKeys.stream().anyMatch(k -> k.length() < 8)) {
            throw new IllegalArgumentException(
                    "gateway.erase.api.keys must list API keys of 8 or more characters (comma-separated)");
        }
        if (apiKeys.isEmpty() || apiKeys.stream().anyMatch(k -> k.length() < 8)) {
            throw new IllegalArgumentException("gateway.api.keys must list at least one API key of 8 or more "
                    + "characters (comma-separated): the gateway never runs open");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("gateway.port must be in [0, 65535], was " + port);
        }
        if (maxBodyBytes < 256) {
            throw new IllegalArgumentException("gateway.max.body.bytes must be >= 256, was " + maxBodyBytes);
        }
        if (recentResponseIds < 1) {
            throw new IllegalArgumentException("gateway.recent.response.ids must be >= 1, was " + recentResponseIds);
        }
        if (threads < 1 || maxInFlight < threads) {
            throw new IllegalArgumentException(
                    "need 1 <= gateway.threads <= gateway.max.in.flight, got " + threads + " and " + maxInFlight);
        }
        Objects.requireNonNull(idempotencyTtl, "idempotencyTtl");
        if (idempotencyTtl.isNegative() || idempotencyMaxBytes < 0) {
            throw new IllegalArgumentException("gateway.idempotency.ttl and gateway.idempotency.max.bytes must not be "
                    + "negative (0 turns idempotency keys off), got " + idempotencyTtl + " and " + idempotencyMaxBytes);
        }
        if (overloadedRetryAfter.isNegative() || unavailableRetryAfter.isNegative()) {
            throw new IllegalArgumentException("Retry-After durations must be >= 0");
        }
    }

    /** Gateway defaults for {@code apiKeys} on {@code connection}. */
    public static GatewayConfig defaults(Set<String> apiKeys, KafkaConnection connection) {
        return new GatewayConfig(
                apiKeys,
                Set.of(),
                "0.0.0.0",
                8080,
                64 * 1024,
                ResponseIdCheck.TOPIC,
                100_000,
                32,
                1024,
                Duration.ofSeconds(1),
                Duration.ofSeconds(5),
                Duration.ofHours(24),
                64L * 1024 * 1024,
                gatewayClient(connection));
    }

    /** The producer defaults of the gateway: fail within seconds when Kafka cannot take a write. */
    public static ClientConfig gatewayClient(KafkaConnection connection) {
        return ClientConfig.defaults(connection)
                .withClientId("streamrlhf-gateway")
                .withTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(5), Duration.ofSeconds(2));
    }

    /** Reads the settings from properties, each defaulting as listed in the class comment. */
    public static GatewayConfig fromProperties(Map<String, String> props) {
        ClientConfig client = gatewayClient(KafkaConnection.fromProperties(props, "gateway"));
        return new GatewayConfig(
                ProducerKeys.commaSeparated(ProducerKeys.GATEWAY_API_KEYS.get(props)),
                ProducerKeys.commaSeparated(ProducerKeys.GATEWAY_ERASE_API_KEYS.get(props)),
                ProducerKeys.GATEWAY_BIND_ADDRESS.get(props),
                ProducerKeys.GATEWAY_PORT.get(props),
                ProducerKeys.GATEWAY_MAX_BODY_BYTES.get(props),
                ProducerKeys.GATEWAY_RESPONSE_ID_CHECK.get(props),
                ProducerKeys.GATEWAY_RECENT_RESPONSE_IDS.get(props),
                ProducerKeys.GATEWAY_THREADS.get(props),
                ProducerKeys.GATEWAY_MAX_IN_FLIGHT.get(props),
                ProducerKeys.GATEWAY_RETRY_AFTER_OVERLOADED.get(props),
                ProducerKeys.GATEWAY_RETRY_AFTER_UNAVAILABLE.get(props),
                ProducerKeys.GATEWAY_IDEMPOTENCY_TTL.get(props),
                ProducerKeys.GATEWAY_IDEMPOTENCY_MAX_BYTES.get(props),
                ClientConfig.fromProperties(props, client));
    }

    /** The same settings listening on {@code address:port}. */
    public GatewayConfig withListener(String address, int listenPort) {
        return new GatewayConfig(
                apiKeys,
                eraseApiKeys,
                address,
                listenPort,
                maxBodyBytes,
                responseIdCheck,
                recentResponseIds,
                threads,
                maxInFlight,
                overloadedRetryAfter,
                unavailableRetryAfter,
                idempotencyTtl,
                idempotencyMaxBytes,
                client);
    }

    /** The same settings with {@code keys} (only) holding the erase scope. */
    public GatewayConfig withEraseApiKeys(Set<String> keys) {
        return new GatewayConfig(
                apiKeys,
                keys,
                bindAddress,
                port,
                maxBodyBytes,
                responseIdCheck,
                recentResponseIds,
                threads,
                maxInFlight,
                overloadedRetryAfter,
                unavailableRetryAfter,
                idempotencyTtl,
                idempotencyMaxBytes,
                client);
    }

    /** The same settings with another response-id check. */
    public GatewayConfig withResponseIdCheck(ResponseIdCheck check) {
        return new GatewayConfig(
                apiKeys,
                eraseApiKeys,
                bindAddress,
                port,
                maxBodyBytes,
                check,
                recentResponseIds,
                threads,
                maxInFlight,
                overloadedRetryAfter,
                unavailableRetryAfter,
                idempotencyTtl,
                idempotencyMaxBytes,
                client);
    }

    /** The same settings with another producer configuration. */
    public GatewayConfig withClient(ClientConfig clientConfig) {
        return new GatewayConfig(
                apiKeys,
                eraseApiKeys,
                bindAddress,
                port,
                maxBodyBytes,
                responseIdCheck,
                recentResponseIds,
                threads,
                maxInFlight,
                overloadedRetryAfter,
                unavailableRetryAfter,
                idempotencyTtl,
                idempotencyMaxBytes,
                clientConfig);
    }
}
