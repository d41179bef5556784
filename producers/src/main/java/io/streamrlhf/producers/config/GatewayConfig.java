package io.streamrlhf.producers.config;

import io.streamrlhf.trainer.config.TrainerKeys;
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
 *   <li>{@code gateway.keys.file}: file of hashed API keys, each with a tenant and scopes (see
 *       {@code ApiKeys}); this or {@code gateway.api.keys} is required</li>
 *   <li>{@code gateway.api.keys}: comma-separated plain API keys of {@value #MIN_API_KEY_CHARS}+ characters, for a
 *       single-tenant setup: tenant {@code gateway.default.tenant} (default {@code default}), every scope but
 *       erase</li>
 *   <li>{@code gateway.erase.api.keys}: alias kept for plain keys: these also get the erase scope</li>
 *   <li>{@code gateway.rate.limit.per.second} (100, 0: off) and {@code gateway.rate.limit.burst} (200): token
 *       bucket per key; {@code gateway.max.in.flight.per.key} (256)</li>
 *   <li>{@code gateway.request.timeout} (10s) and {@code gateway.max.connections} (1000): what slow clients may
 *       hold</li>
 *   <li>{@code gateway.tls.*}: a keystore (or PEM certificate and key) turns on HTTPS</li>
 *   <li>{@code gateway.policy.version.check} ({@code published}): a response may claim only a published
 *       policy version</li>
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
 * @param eraseApiKeys plain API keys that also get the erase scope
 * @param keysFile file of hashed keys, empty for none
 * @param defaultTenant tenant of the plain keys
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
 * @param limits per-key and per-connection limits
 * @param tls TLS of the listener
 * @param policyVersionCheck whether a response's policy version must be a published one
 * @param versionsSigningKey {@code versions.signing.key} (empty: none): when set, only signed versions count as
 *     published
 * @param client producer settings
 */
public record GatewayConfig(
        Set<String> apiKeys,
        Set<String> eraseApiKeys,
        String keysFile,
        String defaultTenant,
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
        Limits limits,
        Tls tls,
        PolicyVersionCheck policyVersionCheck,
        String versionsSigningKey,
        ClientConfig client) {

    /** Shortest accepted plain API key. */
    public static final int MIN_API_KEY_CHARS = 32;

    private static final java.util.regex.Pattern TENANT = java.util.regex.Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

    /** Whether the gateway checks a response's {@code policyVersion} against the published versions. */
    public enum PolicyVersionCheck {
        /** Accept any version (for deployments whose responses come from models this pipeline does not publish). */
        OFF,
        /** A response's policyVersion must be a version published on the policy-versions topic for its model. */
        PUBLISHED
    }

    /**
     * Per-key and per-connection limits.
     *
     * @param ratePerSecond tokens added per second to each key's bucket (0: no rate limit)
     * @param burst bucket capacity: requests a key may send at once after a quiet spell
     * @param maxInFlightPerKey requests one key may have waiting on Kafka at once
     * @param requestTimeout longest time a client may take to send a request's headers and body
     * @param maxConnections most connections sending a request or being handled at once; more are closed at once
     */
    public record Limits(
            double ratePerSecond, int burst, int maxInFlightPerKey, Duration requestTimeout, int maxConnections) {
        /** Validates every field. */
        public Limits {
            Objects.requireNonNull(requestTimeout, "requestTimeout");
            if (!(ratePerSecond >= 0) || Double.isInfinite(ratePerSecond)) {
                throw new IllegalArgumentException(
                        "gateway.rate.limit.per.second must be >= 0 (0: off), was " + ratePerSecond);
            }
            if (burst < 1) {
                throw new IllegalArgumentException("gateway.rate.limit.burst must be >= 1, was " + burst);
            }
            if (maxInFlightPerKey < 1) {
                throw new IllegalArgumentException(
                        "gateway.max.in.flight.per.key must be >= 1, was " + maxInFlightPerKey);
            }
            if (requestTimeout.toMillis() < 100) {
                throw new IllegalArgumentException("gateway.request.timeout must be >= 100ms, was " + requestTimeout);
            }
            if (maxConnections < 1) {
                throw new IllegalArgumentException("gateway.max.connections must be >= 1, was " + maxConnections);
            }
        }

        /** The defaults listed in {@link ProducerKeys}. */
        public static Limits defaults() {
            return new Limits(100, 200, 256, Duration.ofSeconds(10), 1000);
        }

        /** The same limits without a rate limit. */
        public Limits withoutRateLimit() {
            return new Limits(0, burst, maxInFlightPerKey, requestTimeout, maxConnections);
        }

        /** The same limits with another rate and burst. */
        public Limits withRate(double perSecond, int newBurst) {
            return new Limits(perSecond, newBurst, maxInFlightPerKey, requestTimeout, maxConnections);
        }

        /** The same limits with other connection bounds. */
        public Limits withConnections(Duration request, int max) {
            return new Limits(ratePerSecond, burst, maxInFlightPerKey, request, max);
        }

        /** The same limits with another per-key in-flight bound. */
        public Limits withMaxInFlightPerKey(int max) {
            return new Limits(ratePerSecond, burst, max, requestTimeout, maxConnections);
        }
    }

    /**
     * TLS of the listener: off when both {@code keystore} and {@code certificate} are empty.
     *
     * @param keystore PKCS12 (or {@code keystoreType}) file with the server's key and certificate chain
     * @param keystorePassword its password
     * @param keystoreType its type ({@code PKCS12} or {@code JKS})
     * @param certificate PEM file with the server's certificate chain (instead of a keystore)
     * @param privateKey PEM file with its unencrypted PKCS#8 private key
     */
    public record Tls(
            String keystore, String keystorePassword, String keystoreType, String certificate, String privateKey) {
        /** Validates that exactly one way is used, completely. */
        public Tls {
            keystore = Objects.requireNonNullElse(keystore, "");
            keystorePassword = Objects.requireNonNullElse(keystorePassword, "");
            keystoreType = Objects.requireNonNullElse(keystoreType, "PKCS12");
            certificate = Objects.requireNonNullElse(certificate, "");
            privateKey = Objects.requireNonNullElse(privateKey, "");
            if (!keystore.isEmpty() && (!certificate.isEmpty() || !privateKey.isEmpty())) {
                throw new IllegalArgumentException(
                        "set either gateway.tls.keystore or gateway.tls.certificate with gateway.tls.private.key, not both");
            }
            if (certificate.isEmpty() != privateKey.isEmpty()) {
                throw new IllegalArgumentException(
                        "gateway.tls.certificate and gateway.tls.private.key go together (PEM files)");
            }
        }

        /** No TLS. */
        public static Tls off() {
            return new Tls("", "", "PKCS12", "", "");
        }

        /** Whether the listener speaks HTTPS. */
        public boolean enabled() {
            return !keystore.isEmpty() || !certificate.isEmpty();
        }

        /** Never shows the password. */
        @Override
        public String toString() {
            return "Tls[keystore=" + keystore + ", type=" + keystoreType + ", certificate=" + certificate
                    + ", privateKey=" + privateKey + ", password=****]";
        }
    }

    /** Fails unless {@code tenant} is a tenant name: lower-case letters, digits, '.', '_', '-' (no ':'). */
    public static String requireTenant(String tenant, String what) {
        if (tenant == null || !TENANT.matcher(tenant).matches()) {
            throw new IllegalArgumentException(what + " must be 1-64 lower-case letters, digits, '.', '_' or '-' "
                    + "(no ':', which separates tenant and user id), was '" + tenant + "'");
        }
        return tenant;
    }

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
        keysFile = Objects.requireNonNullElse(keysFile, "");
        requireTenant(defaultTenant, "gateway.default.tenant");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(policyVersionCheck, "policyVersionCheck");
        versionsSigningKey = Objects.requireNonNullElse(versionsSigningKey, "");
        requireLongKeys("gateway.api.keys", apiKeys);
        requireLongKeys("gateway.erase.api.keys", eraseApiKeys);
        if (apiKeys.isEmpty() && eraseApiKeys.isEmpty() && keysFile.isEmpty()) {
            throw new IllegalArgumentException("set gateway.keys.file (keys made with `streamrlhf gateway-key`) or "
                    + "gateway.api.keys (comma-separated keys of " + MIN_API_KEY_CHARS + "+ characters): the gateway "
                    + "never runs open");
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

    private static void requireLongKeys(String setting, Set<String> keys) {
        long shortKeys =
                keys.stream().filter(k -> k.length() < MIN_API_KEY_CHARS).count();
        if (shortKeys > 0) {
            // Never the key itself, not even a part of it: the setting names which list to fix.
            throw new IllegalArgumentException(setting + " holds " + shortKeys + " key(s) shorter than "
                    + MIN_API_KEY_CHARS + " characters; use random keys, e.g. made with `streamrlhf gateway-key`");
        }
    }

    /** Gateway defaults for {@code apiKeys} on {@code connection}. */
    public static GatewayConfig defaults(Set<String> apiKeys, KafkaConnection connection) {
        return defaults(apiKeys, "", connection);
    }

    /** Gateway defaults with the hashed keys of {@code keysFile} (see {@code gateway.keys.file}) on {@code connection}. */
    public static GatewayConfig defaultsWithKeysFile(String keysFile, KafkaConnection connection) {
        return defaults(Set.of(), keysFile, connection);
    }

    private static GatewayConfig defaults(Set<String> apiKeys, String keysFile, KafkaConnection connection) {
        return new GatewayConfig(
                apiKeys,
                Set.of(),
                keysFile,
                "default",
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
                Limits.defaults(),
                Tls.off(),
                PolicyVersionCheck.PUBLISHED,
                "",
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
                ProducerKeys.GATEWAY_KEYS_FILE.get(props),
                ProducerKeys.GATEWAY_DEFAULT_TENANT.get(props),
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
                new Limits(
                        ProducerKeys.GATEWAY_RATE_LIMIT_PER_SECOND.get(props),
                        ProducerKeys.GATEWAY_RATE_LIMIT_BURST.get(props),
                        ProducerKeys.GATEWAY_MAX_IN_FLIGHT_PER_KEY.get(props),
                        ProducerKeys.GATEWAY_REQUEST_TIMEOUT.get(props),
                        ProducerKeys.GATEWAY_MAX_CONNECTIONS.get(props)),
                new Tls(
                        ProducerKeys.GATEWAY_TLS_KEYSTORE.get(props),
                        ProducerKeys.GATEWAY_TLS_KEYSTORE_PASSWORD.get(props),
                        ProducerKeys.GATEWAY_TLS_KEYSTORE_TYPE.get(props),
                        ProducerKeys.GATEWAY_TLS_CERTIFICATE.get(props),
                        ProducerKeys.GATEWAY_TLS_PRIVATE_KEY.get(props)),
                ProducerKeys.GATEWAY_POLICY_VERSION_CHECK.get(props),
                TrainerKeys.VERSIONS_SIGNING_KEY.find(props).orElse(""),
                ClientConfig.fromProperties(props, client));
    }

    /** Never shows a key or password: only how many keys there are. */
    @Override
    public String toString() {
        return "GatewayConfig[apiKeys=" + apiKeys.size() + " ****, eraseApiKeys=" + eraseApiKeys.size()
                + " ****, keysFile=" + keysFile + ", defaultTenant=" + defaultTenant + ", listener=" + bindAddress + ":"
                + port + ", responseIdCheck=" + responseIdCheck + ", policyVersionCheck=" + policyVersionCheck
                + ", versionsSigned=" + !versionsSigningKey.isEmpty() + ", threads=" + threads + ", maxInFlight="
                + maxInFlight + ", " + limits + ", " + tls + "]";
    }

    /** A copy of these settings, changed by {@code change}. */
    private GatewayConfig copy(java.util.function.Consumer<Builder> change) {
        Builder b = new Builder(this);
        change.accept(b);
        return b.build();
    }

    /** The same settings listening on {@code address:port}. */
    public GatewayConfig withListener(String address, int listenPort) {
        return copy(b -> {
            b.bindAddress = address;
            b.port = listenPort;
        });
    }

    /** The same settings with {@code keys} (only) holding the erase scope. */
    public GatewayConfig withEraseApiKeys(Set<String> keys) {
        return copy(b -> b.eraseApiKeys = keys);
    }

    /** The same settings with the keys of {@code file} added (a keys file, see {@code gateway.keys.file}). */
    public GatewayConfig withKeysFile(String file) {
        return copy(b -> b.keysFile = file);
    }

    /** The same settings with the plain keys bound to {@code tenant}. */
    public GatewayConfig withDefaultTenant(String tenant) {
        return copy(b -> b.defaultTenant = tenant);
    }

    /** The same settings with another response-id check. */
    public GatewayConfig withResponseIdCheck(ResponseIdCheck check) {
        return copy(b -> b.responseIdCheck = check);
    }

    /** The same settings with another policy-version check. */
    public GatewayConfig withPolicyVersionCheck(PolicyVersionCheck check) {
        return copy(b -> b.policyVersionCheck = check);
    }

    /** The same settings trusting only versions signed with {@code key} ({@code versions.signing.key}). */
    public GatewayConfig withVersionsSigningKey(String key) {
        return copy(b -> b.versionsSigningKey = key);
    }

    /** The same settings with other limits. */
    public GatewayConfig withLimits(Limits newLimits) {
        return copy(b -> b.limits = newLimits);
    }

    /** The same settings with other TLS settings. */
    public GatewayConfig withTls(Tls newTls) {
        return copy(b -> b.tls = newTls);
    }

    /** The same settings with other thread and in-flight bounds. */
    public GatewayConfig withThreads(int newThreads, int newMaxInFlight) {
        return copy(b -> {
            b.threads = newThreads;
            b.maxInFlight = newMaxInFlight;
        });
    }

    /** The same settings with another producer configuration. */
    public GatewayConfig withClient(ClientConfig clientConfig) {
        return copy(b -> b.client = clientConfig);
    }

    /** Mutable copy of every field, so each {@code with} method names only what it changes. */
    private static final class Builder {
        Set<String> apiKeys;
        Set<String> eraseApiKeys;
        String keysFile;
        String defaultTenant;
        String bindAddress;
        int port;
        int maxBodyBytes;
        ResponseIdCheck responseIdCheck;
        int recentResponseIds;
        int threads;
        int maxInFlight;
        Duration overloadedRetryAfter;
        Duration unavailableRetryAfter;
        Duration idempotencyTtl;
        long idempotencyMaxBytes;
        Limits limits;
        Tls tls;
        PolicyVersionCheck policyVersionCheck;
        String versionsSigningKey;
        ClientConfig client;

        Builder(GatewayConfig c) {
            apiKeys = c.apiKeys;
            eraseApiKeys = c.eraseApiKeys;
            keysFile = c.keysFile;
            defaultTenant = c.defaultTenant;
            bindAddress = c.bindAddress;
            port = c.port;
            maxBodyBytes = c.maxBodyBytes;
            responseIdCheck = c.responseIdCheck;
            recentResponseIds = c.recentResponseIds;
            threads = c.threads;
            maxInFlight = c.maxInFlight;
            overloadedRetryAfter = c.overloadedRetryAfter;
            unavailableRetryAfter = c.unavailableRetryAfter;
            idempotencyTtl = c.idempotencyTtl;
            idempotencyMaxBytes = c.idempotencyMaxBytes;
            limits = c.limits;
            tls = c.tls;
            policyVersionCheck = c.policyVersionCheck;
            versionsSigningKey = c.versionsSigningKey;
            client = c.client;
        }

        GatewayConfig build() {
            return new GatewayConfig(
                    apiKeys,
                    eraseApiKeys,
                    keysFile,
                    defaultTenant,
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
                    limits,
                    tls,
                    policyVersionCheck,
                    versionsSigningKey,
                    client);
        }
    }
}
