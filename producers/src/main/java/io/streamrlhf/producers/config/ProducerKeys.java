package io.streamrlhf.producers.config;

import io.streamrlhf.config.Setting;
import io.streamrlhf.producers.config.GatewayConfig.ResponseIdCheck;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Every key of the producers module (client, gateway, simulated users, prompt source, sampler) with its default
 * and meaning; the config records are built only from these.
 */
public final class ProducerKeys {

    private static final PopulationConfig POPULATION = PopulationConfig.defaults();

    public static final Setting<String> CLIENT_ID = Setting.string(
            "client.id",
            "streamrlhf-client",
            "Kafka client id of an event emitter (the gateway, users and prompts default to their own)");
    public static final Setting<Duration> CLIENT_DELIVERY_TIMEOUT = Setting.duration(
            "client.delivery.timeout",
            Duration.ofMinutes(2),
            "how long a write may take, retries included, before it fails (the gateway " + "defaults to 10s)");
    public static final Setting<Duration> CLIENT_REQUEST_TIMEOUT = Setting.duration(
            "client.request.timeout",
            Duration.ofSeconds(30),
            "one produce request's timeout (the gateway defaults to 5s)");
    public static final Setting<Duration> CLIENT_MAX_BLOCK = Setting.duration(
            "client.max.block",
            Duration.ofMinutes(1),
            "how long a send may wait for metadata or buffer space (the gateway defaults " + "to 2s)");
    public static final Setting<Duration> CLIENT_LINGER =
            Setting.duration("client.linger", Duration.ofMillis(5), "producer batching delay");
    public static final Setting<Long> CLIENT_BUFFER_BYTES = Setting.longValue(
            "client.buffer.bytes",
            32L * 1024 * 1024,
            "producer buffer; when full, sends wait up to client.max.block and then fail");

    public static final Setting<String> CLIENT_USER_ID_SECRET = Setting.string(
                    "client.user.id.secret",
                    "",
                    "when set (16+ characters), user ids are written as HMAC-SHA256 pseudonyms under this secret, so "
                            + "raw ids never enter Kafka; erasures hash the same way. Set it once: a new secret makes "
                            + "every user a new one")
            .secret();
    public static final Setting<String> GATEWAY_API_KEYS = Setting.string(
                    "gateway.api.keys",
                    "",
                    "comma-separated plain API keys (32+ characters each) for a single-tenant setup such as the demo: "
                            + "tenant gateway.default.tenant, every scope but erase; this or gateway.keys.file is "
                            + "required")
            .secret();
    public static final Setting<String> GATEWAY_ERASE_API_KEYS = Setting.string(
                    "gateway.erase.api.keys",
                    "",
                    "alias kept for plain keys: the keys listed here (32+ characters) also get the erase scope "
                            + "(DELETE /v1/users/{id}, tenant gateway.default.tenant); a key listed only here may only "
                            + "erase. With a keys file, give the erase scope there instead")
            .secret();
    public static final Setting<String> GATEWAY_KEYS_FILE = Setting.string(
            "gateway.keys.file",
            "",
            "file of hashed API keys, one 'NAME tenant=T scopes=a,b hash=sha256:HEX' a line (made by `streamrlhf "
                    + "gateway-key`); scopes: responses, feedback, preferences, erase, policy");
    public static final Setting<String> GATEWAY_DEFAULT_TENANT = Setting.string(
            "gateway.default.tenant",
            "default",
            "tenant of the plain keys of gateway.api.keys: user ids they send are written as TENANT:userId");
    public static final Setting<Double> GATEWAY_RATE_LIMIT_PER_SECOND = Setting.decimal(
            "gateway.rate.limit.per.second",
            100.0,
            "requests per second each API key may send on average (token bucket; 0: no limit); more get 429");
    public static final Setting<Integer> GATEWAY_RATE_LIMIT_BURST = Setting.integer(
            "gateway.rate.limit.burst", 200, "requests a key may send at once after a quiet spell (bucket size)");
    public static final Setting<Integer> GATEWAY_MAX_IN_FLIGHT_PER_KEY = Setting.integer(
            "gateway.max.in.flight.per.key",
            256,
            "requests one API key may have waiting on Kafka at once (besides gateway.max.in.flight); more get 429");
    public static final Setting<Duration> GATEWAY_REQUEST_TIMEOUT = Setting.duration(
            "gateway.request.timeout",
            Duration.ofSeconds(10),
            "longest time a client may take to send one request (headers and body); then the connection is closed, so "
                    + "slow clients cannot hold the gateway's threads");
    public static final Setting<Integer> GATEWAY_MAX_CONNECTIONS = Setting.integer(
            "gateway.max.connections",
            1000,
            "most connections sending a request or being handled at once (idle keep-alive ones do not count); "
                    + "further ones are closed at once");
    public static final Setting<String> GATEWAY_TLS_KEYSTORE = Setting.string(
            "gateway.tls.keystore", "", "keystore file with the gateway's TLS key and certificate (empty: plain HTTP)");
    public static final Setting<String> GATEWAY_TLS_KEYSTORE_PASSWORD = Setting.string(
                    "gateway.tls.keystore.password", "", "password of gateway.tls.keystore")
            .secret();
    public static final Setting<String> GATEWAY_TLS_KEYSTORE_TYPE =
            Setting.string("gateway.tls.keystore.type", "PKCS12", "type of gateway.tls.keystore: PKCS12 or JKS");
    public static final Setting<String> GATEWAY_TLS_CERTIFICATE = Setting.string(
            "gateway.tls.certificate",
            "",
            "PEM file with the gateway's certificate chain (instead of a keystore; with gateway.tls.private.key)");
    public static final Setting<String> GATEWAY_TLS_PRIVATE_KEY = Setting.string(
            "gateway.tls.private.key",
            "",
            "PEM file with the unencrypted PKCS#8 private key of gateway.tls.certificate");
    public static final Setting<GatewayConfig.PolicyVersionCheck> GATEWAY_POLICY_VERSION_CHECK = Setting.enumeration(
            "gateway.policy.version.check",
            GatewayConfig.PolicyVersionCheck.class,
            GatewayConfig.PolicyVersionCheck.PUBLISHED,
            "PUBLISHED: a response's policyVersion (0 when absent) must be published on the policy-versions topic "
                    + "for its model, else 422; OFF: any version");
    public static final Setting<String> GATEWAY_BIND_ADDRESS =
            Setting.string("gateway.bind.address", "0.0.0.0", "address the gateway listens on");
    public static final Setting<Integer> GATEWAY_PORT =
            Setting.integer("gateway.port", 8080, "port the gateway listens on; 0 picks a free port");
    public static final Setting<Integer> GATEWAY_MAX_BODY_BYTES =
            Setting.integer("gateway.max.body.bytes", 64 * 1024, "larger request bodies get 413");
    public static final Setting<ResponseIdCheck> GATEWAY_RESPONSE_ID_CHECK = Setting.enumeration(
            "gateway.response.id.check",
            ResponseIdCheck.class,
            ResponseIdCheck.TOPIC,
            "TOPIC: feedback must name a recent response id on the responses topic; RECENT: one recorded through "
                    + "this gateway; OFF: any id");
    public static final Setting<Integer> GATEWAY_RECENT_RESPONSE_IDS = Setting.integer(
            "gateway.recent.response.ids", 100_000, "how many recent response ids the gateway remembers");
    public static final Setting<Integer> GATEWAY_THREADS =
            Setting.integer("gateway.threads", 32, "request-handling threads");
    public static final Setting<Integer> GATEWAY_MAX_IN_FLIGHT =
            Setting.integer("gateway.max.in.flight", 1024, "requests handled or queued at once; more get 429");
    public static final Setting<Duration> GATEWAY_RETRY_AFTER_OVERLOADED =
            Setting.duration("gateway.retry.after.overloaded", Duration.ofSeconds(1), "Retry-After of a 429 answer");
    public static final Setting<Duration> GATEWAY_RETRY_AFTER_UNAVAILABLE =
            Setting.duration("gateway.retry.after.unavailable", Duration.ofSeconds(5), "Retry-After of a 503 answer");

    public static final Setting<Duration> GATEWAY_IDEMPOTENCY_TTL = Setting.duration(
            "gateway.idempotency.ttl",
            Duration.ofHours(24),
            "how long the gateway remembers an Idempotency-Key (or a body's event id) and the write it started: a "
                    + "retry within it is answered from that write instead of writing again");
    public static final Setting<Long> GATEWAY_IDEMPOTENCY_MAX_BYTES = Setting.longValue(
            "gateway.idempotency.max.bytes",
            64L * 1024 * 1024,
            "memory bound of the remembered idempotency keys (request bodies included); the oldest are forgotten "
                    + "first, and a retry after that writes the same event id again, which the streams drop");

    public static final Setting<Integer> USERS_COUNT =
            Setting.integer("users.count", POPULATION.count(), "simulated users");
    public static final Setting<Double> USERS_NOISE = Setting.decimal(
            "users.noise", POPULATION.flipProbability(), "probability that a simulated user's label is flipped");
    public static final Setting<Double> USERS_THUMBS_RATE = Setting.decimal(
            "users.thumbs.rate", POPULATION.thumbsRate(), "mean share of responses a user rates with a thumb");
    public static final Setting<Double> USERS_PREFERENCE_RATE = Setting.decimal(
            "users.preference.rate",
            POPULATION.preferenceRate(),
            "mean share of prompts on which a user states an A/B preference");
    public static final Setting<Double> USERS_RATE_SPREAD = Setting.decimal(
            "users.rate.spread",
            POPULATION.rateSpread(),
            "spread of per-user rates around the means (0: every user at the mean)");
    public static final Setting<Integer> USERS_CHAT_MIN_CHARS =
            Setting.integer("users.chat.min.chars", POPULATION.chatMinChars(), "shortest chat answer a user likes");
    public static final Setting<Integer> USERS_CHAT_MAX_CHARS =
            Setting.integer("users.chat.max.chars", POPULATION.chatMaxChars(), "longest chat answer a user likes");
    public static final Setting<Integer> USERS_CHAT_LENGTH_JITTER = Setting.integer(
            "users.chat.length.jitter", POPULATION.chatLengthJitter(), "per-user jitter of the liked length range");
    public static final Setting<Long> USERS_SEED =
            Setting.longValue("users.seed", POPULATION.seed(), "seed of the simulated population");
    public static final Setting<String> USERS_GROUP_ID =
            Setting.string("users.group.id", "streamrlhf-users", "consumer group of the simulated users");
    public static final Setting<Integer> USERS_PENDING_PROMPTS = Setting.integer(
            "users.pending.prompts", 10_000, "prompts the users remember while waiting for their responses");

    public static final Setting<Double> PROMPTS_RATE_PER_SECOND =
            Setting.decimal("prompts.rate.per.second", 2.0, "prompts emitted per second");
    public static final Setting<Double> PROMPTS_ARITHMETIC_SHARE =
            Setting.decimal("prompts.arithmetic.share", 0.5, "share of arithmetic prompts (the rest are chat prompts)");
    public static final Setting<Integer> PROMPTS_MAX_OPERAND = Setting.integer(
            "prompts.max.operand",
            io.streamrlhf.producers.tasks.ArithmeticTask.DEFAULT_MAX_OPERAND,
            "largest operand of arithmetic prompts");
    public static final Setting<Long> PROMPTS_SEED = Setting.longValue("prompts.seed", 7L, "seed of the prompts");
    public static final Setting<Long> PROMPTS_MAX_COUNT =
            Setting.longValue("prompts.max.count", 0L, "stop after this many prompts (0: never)");

    public static final Setting<String> SAMPLER_GROUP_ID =
            Setting.string("sampler.group.id", "streamrlhf-sampler", "consumer group of the sampler's prompt consumer");
    public static final Setting<String> SAMPLER_TRANSACTIONAL_ID = Setting.string(
            "sampler.transactional.id",
            "streamrlhf-sampler-0",
            "transactional id of the sampler's producer (unique per sampler instance)");
    public static final Setting<Integer> SAMPLER_K =
            Setting.integer("sampler.k", 4, "completions sampled per prompt (K)");
    public static final Setting<Double> SAMPLER_TEMPERATURE =
            Setting.decimal("sampler.temperature", 1.0, "sampling temperature");
    public static final Setting<Double> SAMPLER_TOP_P =
            Setting.decimal("sampler.top.p", 0.95, "nucleus sampling threshold");
    public static final Setting<Integer> SAMPLER_MAX_TOKENS =
            Setting.integer("sampler.max.tokens", 48, "most tokens per completion");
    public static final Setting<Integer> SAMPLER_BATCH_PROMPTS =
            Setting.integer("sampler.batch.prompts", 8, "prompts taken per poll and transaction");
    public static final Setting<Duration> SAMPLER_POLL_TIMEOUT =
            Setting.duration("sampler.poll.timeout", Duration.ofMillis(200), "how long a poll waits for prompts");
    public static final Setting<Double> CANARY_SHARE = Setting.decimal(
                    "canary.share",
                    0.1,
                    "share of users (gateway GET /v1/policy, PolicyRoutes) and of sampler rollouts that get the running"
                            + " canary version")
            .requiring(s -> s >= 0 && s <= 1, "a number from 0 to 1");
    public static final Setting<Long> USERS_DEGRADE_VERSION = Setting.longValue(
                    "users.degrade.version",
                    -1L,
                    "demo switch: the simulated users dislike every response of this policy version (a canary that"
                            + " should be rolled back); -1: none")
            .requiring(v -> v >= -1, "-1 or a version number");
    public static final Setting<Long> SAMPLER_SEED = Setting.longValue("sampler.seed", 7L, "seed of the sampling");

    public static final Setting<String> ERASURES_GROUP_ID = Setting.string(
            "erasures.group.id",
            "streamrlhf-erasure-reporter",
            "consumer group of the erasure reporter (its place on the erasures topic)");
    public static final Setting<String> ERASURES_TRANSACTIONAL_ID = Setting.string(
            "erasures.transactional.id",
            "streamrlhf-erasure-reporter",
            "transactional id of the erasure reporter's producer: each report and its request's offset are "
                    + "committed together, so every request is reported exactly once");
    public static final Setting<Duration> ERASURES_SCAN_TIMEOUT = Setting.duration(
            "erasures.scan.timeout",
            Duration.ofMinutes(10),
            "how long one scan of the example and policy-version topics may take before the reporter fails "
                    + "(and is restarted)");

    /** Every key above. */
    public static final List<Setting<?>> ALL = List.of(
            CLIENT_ID,
            CLIENT_DELIVERY_TIMEOUT,
            CLIENT_REQUEST_TIMEOUT,
            CLIENT_MAX_BLOCK,
            CLIENT_LINGER,
            CLIENT_BUFFER_BYTES,
            CLIENT_USER_ID_SECRET,
            GATEWAY_API_KEYS,
            GATEWAY_ERASE_API_KEYS,
            GATEWAY_KEYS_FILE,
            GATEWAY_DEFAULT_TENANT,
            GATEWAY_RATE_LIMIT_PER_SECOND,
            GATEWAY_RATE_LIMIT_BURST,
            GATEWAY_MAX_IN_FLIGHT_PER_KEY,
            GATEWAY_REQUEST_TIMEOUT,
            GATEWAY_MAX_CONNECTIONS,
            GATEWAY_TLS_KEYSTORE,
            GATEWAY_TLS_KEYSTORE_PASSWORD,
            GATEWAY_TLS_KEYSTORE_TYPE,
            GATEWAY_TLS_CERTIFICATE,
            GATEWAY_TLS_PRIVATE_KEY,
            GATEWAY_POLICY_VERSION_CHECK,
            GATEWAY_BIND_ADDRESS,
            GATEWAY_PORT,
            GATEWAY_MAX_BODY_BYTES,
            GATEWAY_RESPONSE_ID_CHECK,
            GATEWAY_RECENT_RESPONSE_IDS,
            GATEWAY_THREADS,
            GATEWAY_MAX_IN_FLIGHT,
            GATEWAY_RETRY_AFTER_OVERLOADED,
            GATEWAY_RETRY_AFTER_UNAVAILABLE,
            GATEWAY_IDEMPOTENCY_TTL,
            GATEWAY_IDEMPOTENCY_MAX_BYTES,
            USERS_COUNT,
            USERS_NOISE,
            USERS_THUMBS_RATE,
            USERS_PREFERENCE_RATE,
            USERS_RATE_SPREAD,
            USERS_CHAT_MIN_CHARS,
            USERS_CHAT_MAX_CHARS,
            USERS_CHAT_LENGTH_JITTER,
            USERS_SEED,
            USERS_GROUP_ID,
            USERS_PENDING_PROMPTS,
            PROMPTS_RATE_PER_SECOND,
            PROMPTS_ARITHMETIC_SHARE,
            PROMPTS_MAX_OPERAND,
            PROMPTS_SEED,
            PROMPTS_MAX_COUNT,
            SAMPLER_GROUP_ID,
            SAMPLER_TRANSACTIONAL_ID,
            SAMPLER_K,
            SAMPLER_TEMPERATURE,
            SAMPLER_TOP_P,
            SAMPLER_MAX_TOKENS,
            SAMPLER_BATCH_PROMPTS,
            SAMPLER_POLL_TIMEOUT,
            SAMPLER_SEED,
            ERASURES_GROUP_ID,
            ERASURES_TRANSACTIONAL_ID,
            ERASURES_SCAN_TIMEOUT,
            CANARY_SHARE,
            USERS_DEGRADE_VERSION);

    private ProducerKeys() {}

    /** A comma-separated list, blanks dropped. */
    static Set<String> commaSeparated(String text) {
        return Arrays.stream(text.split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .collect(Collectors.toUnmodifiableSet());
    }
}
