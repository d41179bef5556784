package io.streamrlhf.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamrlhf.config.ClusterSettings;
import io.streamrlhf.config.KafkaKeys;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link SchemaRegistryClient} for the Confluent Schema Registry REST API over {@code java.net.http}.
 *
 * <p>Uses only the standard endpoints ({@code /subjects}, {@code /schemas/ids}, {@code /compatibility},
 * {@code /config}) and ignores unknown response fields, so it works against Confluent's registry, Apicurio's
 * {@code ccompat} API, Karapace and {@link EmbeddedSchemaRegistry}. Ids are cached per (subject, schema) and
 * schemas per id, both immutable in a registry; versions, latest and compatibility are always asked afresh.
 * Every failure is a {@link SchemaRegistryException}: with the HTTP status and Confluent error code when the
 * registry answered, with status 0 and the URL when it could not be reached.
 */
public final class RestSchemaRegistryClient implements SchemaRegistryClient {

    private static final Logger log = LoggerFactory.getLogger(RestSchemaRegistryClient.class);
    /** The Confluent registry's media type, accepted by every compatible registry. */
    public static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

    private static final String ACCEPT = CONTENT_TYPE + ", application/vnd.schemaregistry+json, application/json";

    /**
     * How to reach the registry.
     *
     * @param url base URL, for example {@code http://127.0.0.1:8081}; user info in the URL
     *            ({@code https://key:secret@host}) is taken as basic-auth credentials
     * @param connectTimeout limit for opening a connection
     * @param requestTimeout limit for one request, from sending to the complete response
     * @param basicAuthUserInfo {@code user:password} for HTTP basic auth (Confluent Cloud API key and secret),
     *                          or empty
     * @param truststore the certificates trusted for {@code https://}, or empty for the JDK's default ones
     */
    public record Config(
            URI url,
            Duration connectTimeout,
            Duration requestTimeout,
            Optional<String> basicAuthUserInfo,
            Optional<RegistryTruststore> truststore) {
        /** Default connect timeout. */
        public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
        /** Default request timeout. */
        public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);

        public Config {
            Objects.requireNonNull(url, "url");
            Objects.requireNonNull(connectTimeout, "connectTimeout");
            Objects.requireNonNull(requestTimeout, "requestTimeout");
            Objects.requireNonNull(basicAuthUserInfo, "basicAuthUserInfo");
            Objects.requireNonNull(truststore, "truststore");
            String scheme = url.getScheme();
            if (scheme == null || !(scheme.equals("http") || scheme.equals("https")) || url.getHost() == null) {
                throw new IllegalArgumentException("Schema registry URL '" + redact(url)
                        + "' must be an absolute http:// or https:// URL with a host, e.g. http://127.0.0.1:8081");
            }
            if (url.getRawQuery() != null || url.getRawFragment() != null) {
                throw new IllegalArgumentException(
                        "Schema registry URL '" + redact(url) + "' must not carry a query or fragment");
            }
            if (connectTimeout.isNegative()
                    || connectTimeout.isZero()
                    || requestTimeout.isNegative()
                    || requestTimeout.isZero()) {
                throw new IllegalArgumentException("Schema registry timeouts must be positive, got connect="
                        + connectTimeout + " request=" + requestTimeout);
            }
            if (url.getRawUserInfo() != null) {
                if (basicAuthUserInfo.isPresent()) {
                    throw new IllegalArgumentException("Give schema registry credentials either in the URL or as "
                            + "basicAuthUserInfo, not both");
                }
                basicAuthUserInfo = Optional.of(URLDecoder.decode(url.getRawUserInfo(), StandardCharsets.UTF_8));
                url = URI.create(url.getScheme() + "://"
                        + url.getRawAuthority().substring(url.getRawAuthority().indexOf('@') + 1)
                        + Optional.ofNullable(url.getRawPath()).orElse(""));
            }
            if (basicAuthUserInfo.isPresent() && basicAuthUserInfo.get().indexOf(':') < 0) {
                throw new IllegalArgumentException("Schema registry basic-auth user info must be 'user:password'");
            }
        }

        /** Settings that trust the JDK's default authorities. */
        public Config(URI url, Duration connectTimeout, Duration requestTimeout, Optional<String> basicAuthUserInfo) {
            this(url, connectTimeout, requestTimeout, basicAuthUserInfo, Optional.empty());
        }

        /** Default timeouts; credentials only if {@code url} carries user info. */
        public static Config of(String url) {
            Objects.requireNonNull(url, "url");
            return new Config(
                    URI.create(url.trim()), DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT, Optional.empty());
        }

        /**
         * Reads {@code schema.registry.url}, {@code schema.registry.basic.auth.user.info} and, for an
         * {@code https://} URL, the truststore: {@code schema.registry.ssl.truststore.*}, else the
         * {@code kafka.ssl.truststore.*} every component already has for a TLS broker (the secured local stack's
         * broker and registry share one authority).
         */
        public static Config fromSettings(Map<String, String> settings) {
            Config config = of(ClusterSettings.SCHEMA_REGISTRY_URL.get(settings));
            Optional<String> userInfo = ClusterSettings.SCHEMA_REGISTRY_USER_INFO.find(settings);
            if (userInfo.isPresent()) {
                config = config.withBasicAuth(userInfo.get());
            }
            if (config.url().getScheme().equals("https")) {
                Optional<String> location = ClusterSettings.SCHEMA_REGISTRY_TRUSTSTORE_LOCATION.find(settings);
                if (location.isPresent()) {
                    config = config.withTruststore(new RegistryTruststore(
                            Path.of(location.get()),
                            ClusterSettings.SCHEMA_REGISTRY_TRUSTSTORE_PASSWORD
                                    .find(settings)
                                    .orElse(""),
                            ClusterSettings.SCHEMA_REGISTRY_TRUSTSTORE_TYPE.get(settings)));
                } else if (settings.get(KafkaKeys.PREFIX + "ssl.truststore.location") != null) {
                    config = config.withTruststore(new RegistryTruststore(
                            Path.of(settings.get(KafkaKeys.PREFIX + "ssl.truststore.location")),
                            settings.getOrDefault(KafkaKeys.PREFIX + "ssl.truststore.password", ""),
                            settings.getOrDefault(KafkaKeys.PREFIX + "ssl.truststore.type", "PKCS12")));
                }
            }
            return config;
        }

        /** The same settings with basic-auth credentials {@code user:password}. */
        public Config withBasicAuth(String userInfo) {
            return new Config(url, connectTimeout, requestTimeout, Optional.of(userInfo), truststore);
        }

        /** The same settings trusting {@code store}'s certificates for {@code https://}. */
        public Config withTruststore(RegistryTruststore store) {
            return new Config(url, connectTimeout, requestTimeout, basicAuthUserInfo, Optional.of(store));
        }

        /** The same settings with other timeouts. */
        public Config withTimeouts(Duration connect, Duration request) {
            return new Config(url, connect, request, basicAuthUserInfo, truststore);
        }

        @Override
        public String toString() {
            return "Config[url=" + url + ", connectTimeout=" + connectTimeout + ", requestTimeout=" + requestTimeout
                    + ", basicAuth=" + (basicAuthUserInfo.isPresent() ? "****" : "none")
                    + truststore.map(t -> ", truststore=" + t.location()).orElse("") + "]";
        }

        private static String redact(URI url) {
            return url.getRawUserInfo() == null
                    ? url.toString()
                    : url.toString().replace(url.getRawUserInfo(), "****");
        }
    }

    private final Config config;
    private final String baseUrl;
    private final HttpClient http;
    private final ObjectMapper json = new ObjectMapper();
    private final Optional<String> authorization;
    private final Map<String, Map<Schema, Integer>> idsBySubject = new ConcurrentHashMap<>();
    private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();

    /** A client for the registry at {@code config.url()}. */
    public RestSchemaRegistryClient(Config config) {
        this.config = Objects.requireNonNull(config, "config");
        String url = config.url().toString();
        this.baseUrl = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        HttpClient.Builder builder = HttpClient.newBuilder()
                .connectTimeout(config.connectTimeout())
                .followRedirects(HttpClient.Redirect.NORMAL);
        config.truststore().ifPresent(t -> builder.sslContext(t.sslContext()));
        this.http = builder.build();
        this.authorization = config.basicAuthUserInfo()
                .map(info -> "Basic " + Base64.getEncoder().encodeToString(info.getBytes(StandardCharsets.UTF_8)));
    }

    /** A client with default timeouts for the registry at {@code url}. */
    public RestSchemaRegistryClient(String url) {
        this(Config.of(url));
    }

    /** The settings this client was built with. */
    public Config config() {
        return config;
    }

    @Override
    public int register(String subject, Schema schema) {
        Integer cached = cachedId(subject, schema);
        if (cached != null) {
            return cached;
        }
        JsonNode response = send("POST", "/subjects/" + encode(subject) + "/versions", schemaRequest(schema));
        int id = requiredInt(response, "id", "register under " + subject);
        cacheId(subject, schema, id);
        return id;
    }

    @Override
    public int lookup(String subject, Schema schema) {
        Integer cached = cachedId(subject, schema);
        if (cached != null) {
            return cached;
        }
        JsonNode response = send("POST", "/subjects/" + encode(subject), schemaRequest(schema));
        int id = requiredInt(response, "id", "look up under " + subject);
        cacheId(subject, schema, id);
        return id;
    }

    @Override
    public Schema getById(int id) {
        Schema cached = schemasById.get(id);
        if (cached != null) {
            return cached;
        }
        String what = "schema id " + id;
        JsonNode response = send("GET", "/schemas/ids/" + id, null);
        Schema schema = parseSchema(response, what);
        schemasById.putIfAbsent(id, schema);
        return schema;
    }

    @Override
    public RegisteredSchema latest(String subject) {
        return version(subject, "latest");
    }

    /** Returns version {@code version} of {@code subject}. */
    public RegisteredSchema version(String subject, int version) {
        return version(subject, Integer.toString(version));
    }

    private RegisteredSchema version(String subject, String version) {
        String what = "version " + version + " of " + subject;
        JsonNode response = send("GET", "/subjects/" + encode(subject) + "/versions/" + version, null);
        Schema schema = parseSchema(response, what);
        int id = requiredInt(response, "id", what);
        schemasById.putIfAbsent(id, schema);
        String returnedSubject =
                response.path("subject").isTextual() ? response.get("subject").asText() : subject;
        return new RegisteredSchema(returnedSubject, requiredInt(response, "version", what), id, schema);
    }

    @Override
    public List<Integer> versions(String subject) {
        JsonNode response = send("GET", "/subjects/" + encode(subject) + "/versions", null);
        if (!response.isArray()) {
            throw malformed("versions of " + subject, "expected a JSON array, got " + abbreviate(response.toString()));
        }
        List<Integer> versions = new ArrayList<>();
        response.forEach(v -> versions.add(v.asInt()));
        return versions.stream().sorted().toList();
    }

    /** Returns every subject the registry knows, as it lists them. */
    public List<String> subjects() {
        JsonNode response = send("GET", "/subjects", null);
        if (!response.isArray()) {
            throw malformed("subjects", "expected a JSON array, got " + abbreviate(response.toString()));
        }
        List<String> subjects = new ArrayList<>();
        response.forEach(s -> subjects.add(s.asText()));
        return subjects;
    }

    @Override
    public boolean isCompatible(String subject, Schema schema) {
        return incompatibilities(subject, schema).isEmpty();
    }

    /**
     * Returns why {@code schema} may not be registered under {@code subject}, empty when it may. A subject
     * that does not exist yet accepts any schema.
     */
    public List<String> incompatibilities(String subject, Schema schema) {
        JsonNode response;
        try {
            response = send(
                    "POST",
                    "/compatibility/subjects/" + encode(subject) + "/versions/latest?verbose=true",
                    schemaRequest(schema));
        } catch (SchemaRegistryException e) {
            // Older registries answer "subject not found" where newer ones say compatible: nothing to break.
            if (e.errorCode() == SchemaRegistryException.SUBJECT_NOT_FOUND
                    || e.errorCode() == SchemaRegistryException.VERSION_NOT_FOUND) {
                return List.of();
            }
            throw e;
        }
        JsonNode compatible = response.get("is_compatible");
        if (compatible == null || !compatible.isBoolean()) {
            throw malformed(
                    "compatibility check for " + subject,
                    "no boolean is_compatible in " + abbreviate(response.toString()));
        }
        if (compatible.asBoolean()) {
            return List.of();
        }
        List<String> messages = new ArrayList<>();
        response.path("messages").forEach(m -> messages.add(m.asText()));
        return messages.isEmpty() ? List.of("incompatible (the registry gave no details)") : messages;
    }

    @Override
    public CompatibilityLevel compatibility(String subject) {
        if (subject != null) {
            try {
                return parseLevel(
                        send("GET", "/config/" + encode(subject) + "?defaultToGlobal=true", null),
                        "compatibility of " + subject);
            } catch (SchemaRegistryException e) {
                // Registries that ignore defaultToGlobal answer 40408 (no subject level) or 40401; fall back.
                if (!e.isNotFound()) {
                    throw e;
                }
            }
        }
        return parseLevel(send("GET", "/config", null), "global compatibility");
    }

    @Override
    public void setCompatibility(String subject, CompatibilityLevel level) {
        Objects.requireNonNull(level, "level");
        ObjectNode body = json.createObjectNode().put("compatibility", level.name());
        send("PUT", subject == null ? "/config" : "/config/" + encode(subject), body);
    }

    @Override
    public void close() {
        // HttpClient has no close() before Java 21; its threads are daemons and its pool idles out.
        idsBySubject.clear();
        schemasById.clear();
    }

    private ObjectNode schemaRequest(Schema schema) {
        Objects.requireNonNull(schema, "schema");
        // schemaType is left out for Avro, as Confluent's own clients do: older registries reject the field.
        return json.createObjectNode().put("schema", schema.toString());
    }

    private Integer cachedId(String subject, Schema schema) {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(schema, "schema");
        Map<Schema, Integer> ids = idsBySubject.get(subject);
        return ids == null ? null : ids.get(schema);
    }

    private void cacheId(String subject, Schema schema, int id) {
        idsBySubject.computeIfAbsent(subject, s -> new ConcurrentHashMap<>()).put(schema, id);
        schemasById.putIfAbsent(id, schema);
    }

    private CompatibilityLevel parseLevel(JsonNode response, String what) {
        // Confluent answers GET with compatibilityLevel and PUT with compatibility; accept either.
        JsonNode level =
                response.has("compatibilityLevel") ? response.get("compatibilityLevel") : response.get("compatibility");
        if (level == null || !level.isTextual()) {
            throw malformed(what, "no compatibilityLevel in " + abbreviate(response.toString()));
        }
        try {
            return CompatibilityLevel.parse(level.asText());
        } catch (IllegalArgumentException e) {
            throw malformed(what, e.getMessage());
        }
    }

    private Schema parseSchema(JsonNode response, String what) {
        String type = response.path("schemaType").asText("AVRO");
        if (!type.equalsIgnoreCase("AVRO")) {
            throw new SchemaRegistryException(
                    200,
                    SchemaRegistryException.INVALID_SCHEMA,
                    what + " is a " + type + " schema; only AVRO is supported");
        }
        if (response.path("references").size() > 0) {
            throw new SchemaRegistryException(
                    200,
                    SchemaRegistryException.INVALID_SCHEMA,
                    what + " uses schema references, which this client does not resolve; register the full schema");
        }
        JsonNode text = response.get("schema");
        if (text == null || !text.isTextual()) {
            throw malformed(what, "no schema string in " + abbreviate(response.toString()));
        }
        try {
            return SchemaText.parse(text.asText());
        } catch (IllegalArgumentException e) {
            throw malformed(what, "invalid Avro schema: " + e.getMessage());
        }
    }

    private int requiredInt(JsonNode response, String field, String what) {
        JsonNode value = response.get(field);
        if (value == null || !value.canConvertToInt()) {
            throw malformed(what, "no integer " + field + " in " + abbreviate(response.toString()));
        }
        return value.asInt();
    }

    private SchemaRegistryException malformed(String what, String detail) {
        return new SchemaRegistryException(
                200,
                SchemaRegistryException.SERVER_ERROR,
                "Unexpected answer from schema registry at " + baseUrl + " for " + what + ": " + detail);
    }

    private JsonNode send(String method, String path, JsonNode body) {
        String url = baseUrl + path;
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .timeout(config.requestTimeout())
                .header("Accept", ACCEPT);
        authorization.ifPresent(a -> request.header("Authorization", a));
        if (body == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", CONTENT_TYPE)
                    .method(method, HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8));
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (HttpTimeoutException e) {
            throw new SchemaRegistryException(
                    0,
                    SchemaRegistryException.SERVER_ERROR,
                    "Schema registry at " + url + " did not answer " + method + " within "
                            + config.requestTimeout().toMillis() + " ms",
                    e);
        } catch (IOException e) {
            throw new SchemaRegistryException(
                    0,
                    SchemaRegistryException.SERVER_ERROR,
                    "Cannot reach schema registry at " + url + " (" + method + "): " + e,
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaRegistryException(
                    0, SchemaRegistryException.SERVER_ERROR, "Interrupted while calling schema registry at " + url, e);
        }
        int status = response.statusCode();
        JsonNode parsed = parse(response.body());
        if (status >= 200 && status < 300) {
            if (parsed == null) {
                throw new SchemaRegistryException(
                        status,
                        SchemaRegistryException.SERVER_ERROR,
                        "Schema registry at " + url + " answered " + method + " with a body that is not JSON: "
                                + abbreviate(response.body()));
            }
            return parsed;
        }
        int errorCode = parsed != null && parsed.path("error_code").canConvertToInt()
                ? parsed.get("error_code").asInt()
                : status;
        String message = parsed != null && parsed.path("message").isTextual()
                ? parsed.get("message").asText()
                : abbreviate(response.body());
        log.debug("Schema registry {} {} failed: {} {}", method, url, status, message);
        throw new SchemaRegistryException(
                status, errorCode, "Schema registry " + method + " " + url + " failed: " + message);
    }

    private JsonNode parse(String body) {
        if (body == null || body.isBlank()) {
            return null;
        }
        try {
            return json.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }

    private static String encode(String subject) {
        Objects.requireNonNull(subject, "subject");
        if (subject.isEmpty()) {
            throw new IllegalArgumentException("subject must not be empty");
        }
        return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String abbreviate(String text) {
        String oneLine = text == null ? "" : text.replaceAll("\\s+", " ").trim();
        return oneLine.length() <= 300 ? oneLine : oneLine.substring(0, 300) + "...";
    }
}
