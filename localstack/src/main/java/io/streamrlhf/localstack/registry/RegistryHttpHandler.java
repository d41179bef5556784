package io.streamrlhf.localstack.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.streamrlhf.schemas.registry.Compatibility;
import io.streamrlhf.schemas.registry.CompatibilityLevel;
import io.streamrlhf.schemas.registry.InMemorySchemaRegistry;
import io.streamrlhf.schemas.registry.RegisteredSchema;
import io.streamrlhf.schemas.registry.RestSchemaRegistryClient;
import io.streamrlhf.schemas.registry.SchemaRegistryException;
import io.streamrlhf.schemas.registry.SchemaText;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the Confluent Schema Registry REST API over an {@link InMemorySchemaRegistry}: routing, request
 * parsing, role checks and Confluent's error bodies ({@code {"error_code":..., "message":...}}). Every request
 * that the client got wrong (bad path encoding, body, media type or size) answers 4xx; 500 is for the
 * registry's own failures only.
 */
final class RegistryHttpHandler implements HttpHandler {

    private static final Logger log = LoggerFactory.getLogger(RegistryHttpHandler.class);
    /** Confluent's code for an authenticated user whose role does not allow the request. */
    static final int FORBIDDEN = 40301;

    private static final byte[] UNKNOWN_USER_PASSWORD = new byte[32];
    private static final int DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;
    /** The media types Confluent's registry accepts for a request body (parameters such as charset aside). */
    private static final Set<String> BODY_TYPES = Set.of(
            "application/vnd.schemaregistry.v1+json",
            "application/vnd.schemaregistry+json",
            "application/json",
            "application/octet-stream");

    private final InMemorySchemaRegistry registry;
    private final Map<String, RegistryUser> users;
    private final int maxBodyBytes;
    private final ObjectMapper json = new ObjectMapper();

    /**
     * @param registry the state served
     * @param users the users of HTTP basic authentication by name; empty for an open registry
     */
    RegistryHttpHandler(InMemorySchemaRegistry registry, Map<String, RegistryUser> users) {
        this(registry, users, DEFAULT_MAX_BODY_BYTES);
    }

    RegistryHttpHandler(InMemorySchemaRegistry registry, Map<String, RegistryUser> users, int maxBodyBytes) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.users = Map.copyOf(users);
        this.maxBodyBytes = maxBodyBytes;
    }

    /** A request failure that is not one of the registry's own (bad route, bad body). */
    private static final class HttpError extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final int status;
        private final int errorCode;

        HttpError(int status, int errorCode, String message) {
            super(message);
            this.status = status;
            this.errorCode = errorCode;
        }
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getRawPath();
        try {
            List<String> segments = segments(path);
            authorize(exchange, method, segments);
            JsonNode response = route(exchange, method, segments);
            respond(exchange, 200, response);
        } catch (SchemaRegistryException e) {
            respondError(exchange, e.httpStatus(), e.errorCode(), e.detail());
        } catch (HttpError e) {
            respondError(exchange, e.status, e.errorCode, e.getMessage());
        } catch (RuntimeException e) {
            log.error("Schema registry failed on {} {}", method, path, e);
            respondError(exchange, 500, SchemaRegistryException.SERVER_ERROR, "Internal error: " + e);
        } finally {
            exchange.close();
        }
    }

    /**
     * With users configured: 401 for a request without a known user and its password (HTTP basic
     * authentication), 403 for one beyond the user's role.
     */
    private void authorize(HttpExchange exchange, String method, List<String> p) {
        if (users.isEmpty()) {
            return;
        }
        RegistryUser user = authenticate(exchange.getRequestHeaders().getFirst("Authorization"));
        if (user == null) {
            exchange.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"streamrlhf-schema-registry\"");
            throw new HttpError(401, 401, "Unauthorized");
        }
        RegistryRole required = requiredRole(method, p);
        if (!user.role().permits(required)) {
            throw new HttpError(
                    403,
                    FORBIDDEN,
                    "User " + user.name() + " cannot access the resource: " + method + " needs the "
                            + required.name().toLowerCase(Locale.ROOT) + " role");
        }
    }

    /** The user whose name and password {@code header} carries, or null. */
    private RegistryUser authenticate(String header) {
        if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
            return null;
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            return null;
        }
        RegistryUser user = users.get(decoded.substring(0, colon));
        // The same comparison for a known and an unknown name, in time constant in the password.
        byte[] expected = user == null ? UNKNOWN_USER_PASSWORD : user.passwordBytes();
        boolean matches =
                MessageDigest.isEqual(expected, decoded.substring(colon + 1).getBytes(StandardCharsets.UTF_8));
        return matches && user != null ? user : null;
    }

    /**
     * Reading needs a reader; registering a schema a writer; changing compatibility and deleting an admin.
     * Look-ups and compatibility checks are {@code POST}s that change nothing: a reader may ask them.
     */
    static RegistryRole requiredRole(String method, List<String> p) {
        return switch (method) {
            case "GET", "HEAD" -> RegistryRole.READER;
            case "POST" ->
                p.size() == 3 && p.get(0).equals("subjects") && p.get(2).equals("versions")
                        ? RegistryRole.WRITER
                        : RegistryRole.READER;
            default -> RegistryRole.ADMIN;
        };
    }

    private JsonNode route(HttpExchange exchange, String method, List<String> p) {
        int n = p.size();
        if (n == 0) {
            return only(method, "GET", json.createObjectNode());
        }
        switch (p.get(0)) {
            case "subjects" -> {
                boolean deleted = queryFlag(exchange, "deleted");
                if (n == 1) {
                    return only(method, "GET", listSubjects(deleted));
                }
                String subject = p.get(1);
                if (n == 2) {
                    if (method.equals("DELETE")) {
                        return deleteSubject(subject, queryFlag(exchange, "permanent"));
                    }
                    requireMethod(method, "POST");
                    return lookup(subject, readSchemaRequest(exchange), deleted);
                }
                if (n >= 3 && p.get(2).equals("versions")) {
                    if (n == 3) {
                        if (method.equals("POST")) {
                            return register(subject, readSchemaRequest(exchange));
                        }
                        return only(method, "GET", listVersions(subject, deleted));
                    }
                    if (n == 4) {
                        if (method.equals("DELETE")) {
                            return deleteVersion(subject, p.get(3), queryFlag(exchange, "permanent"));
                        }
                        return only(method, "GET", versionBody(version(subject, p.get(3), deleted)));
                    }
                    if (n == 5 && p.get(4).equals("schema")) {
                        return only(
                                method,
                                "GET",
                                rawSchema(version(subject, p.get(3), deleted).schema()));
                    }
                }
            }
            case "schemas" -> {
                if (n >= 3 && p.get(1).equals("ids")) {
                    Schema schema = schemaById(p.get(2));
                    if (n == 3) {
                        return only(method, "GET", json.createObjectNode().put("schema", schema.toString()));
                    }
                    if (n == 4 && p.get(3).equals("schema")) {
                        return only(method, "GET", rawSchema(schema));
                    }
                }
            }
            case "compatibility" -> {
                if (n == 5 && p.get(1).equals("subjects") && p.get(3).equals("versions")) {
                    requireMethod(method, "POST");
                    return checkCompatibility(
                            p.get(2), p.get(4), readSchemaRequest(exchange), queryFlag(exchange, "verbose"));
                }
            }
            case "config" -> {
                if (n <= 2) {
                    String subject = n == 2 ? p.get(1) : null;
                    if (method.equals("PUT")) {
                        return updateConfig(subject, readBody(exchange));
                    }
                    if (method.equals("DELETE")) {
                        return json.createObjectNode()
                                .put(
                                        "compatibilityLevel",
                                        registry.deleteCompatibility(subject).name());
                    }
                    requireMethod(method, "GET");
                    return getConfig(subject, queryFlag(exchange, "defaultToGlobal"));
                }
            }
            default -> {
                // falls through to 404 below
            }
        }
        throw new HttpError(404, 404, "HTTP 404 Not Found");
    }

    private JsonNode listSubjects(boolean includeDeleted) {
        ArrayNode subjects = json.createArrayNode();
        registry.subjects(includeDeleted).forEach(subjects::add);
        return subjects;
    }

    private JsonNode listVersions(String subject, boolean includeDeleted) {
        ArrayNode versions = json.createArrayNode();
        registry.versions(subject, includeDeleted).forEach(versions::add);
        return versions;
    }

    private JsonNode deleteSubject(String subject, boolean permanent) {
        ArrayNode versions = json.createArrayNode();
        registry.deleteSubject(subject, permanent).forEach(versions::add);
        log.info("Deleted subject {} versions {} ({})", subject, versions, permanent ? "permanently" : "soft");
        return versions;
    }

    private JsonNode deleteVersion(String subject, String version, boolean permanent) {
        int number;
        if (version.equals("latest") || version.equals("-1")) {
            // A permanent delete acts on soft-deleted versions: "latest" is then the highest of all.
            List<Integer> versions = registry.versions(subject, permanent);
            number = versions.get(versions.size() - 1);
        } else {
            number = parseVersion(version);
        }
        int deleted = registry.deleteVersion(subject, number, permanent);
        log.info("Deleted subject {} version {} ({})", subject, deleted, permanent ? "permanently" : "soft");
        return json.getNodeFactory().numberNode(deleted);
    }

    private JsonNode register(String subject, Schema schema) {
        int id = registry.register(subject, schema);
        log.debug("Registered schema id {} under {}", id, subject);
        return json.createObjectNode().put("id", id);
    }

    private JsonNode lookup(String subject, Schema schema, boolean includeDeleted) {
        return versionBody(registry.lookupVersion(subject, schema, includeDeleted));
    }

    private RegisteredSchema version(String subject, String version, boolean includeDeleted) {
        if (version.equals("latest") || version.equals("-1")) {
            return registry.latest(subject);
        }
        int number = parseVersion(version);
        registry.versions(subject, includeDeleted); // 40401 for a missing subject before 40402 for a missing version
        return registry.version(subject, number, includeDeleted);
    }

    private static int parseVersion(String version) {
        try {
            int number = Integer.parseInt(version);
            if (number >= 1) {
                return number;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new SchemaRegistryException(
                422,
                SchemaRegistryException.INVALID_VERSION,
                "The specified version '" + version
                        + "' is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\"");
    }

    private Schema schemaById(String id) {
        int number;
        try {
            number = Integer.parseInt(id);
        } catch (NumberFormatException e) {
            throw new SchemaRegistryException(
                    404, SchemaRegistryException.SCHEMA_NOT_FOUND, "Schema " + id + " not found");
        }
        return registry.getById(number);
    }

    private JsonNode checkCompatibility(String subject, String version, Schema schema, boolean verbose) {
        List<String> problems;
        if (version.equals("latest") || version.equals("-1")) {
            // Against the latest (or every version, for transitive levels); nothing registered means compatible.
            problems = registry.incompatibilities(subject, schema);
        } else {
            RegisteredSchema against = version(subject, version, false);
            problems = Compatibility.violations(registry.compatibility(subject), schema, List.of(against.schema()));
        }
        ObjectNode body = json.createObjectNode().put("is_compatible", problems.isEmpty());
        if (verbose) {
            ArrayNode messages = body.putArray("messages");
            problems.forEach(messages::add);
        }
        return body;
    }

    private JsonNode getConfig(String subject, boolean defaultToGlobal) {
        CompatibilityLevel level;
        if (subject == null) {
            level = registry.compatibility(null);
        } else {
            level = registry.ownCompatibility(subject);
            if (level == null) {
                if (!defaultToGlobal) {
                    throw new SchemaRegistryException(
                            404,
                            SchemaRegistryException.SUBJECT_COMPATIBILITY_NOT_CONFIGURED,
                            "Subject '" + subject + "' does not have subject-level compatibility configured");
                }
                level = registry.compatibility(null);
            }
        }
        return json.createObjectNode().put("compatibilityLevel", level.name());
    }

    private JsonNode updateConfig(String subject, JsonNode body) {
        JsonNode requested = body.has("compatibility") ? body.get("compatibility") : body.get("compatibilityLevel");
        CompatibilityLevel level;
        try {
            if (requested == null || !requested.isTextual()) {
                throw new IllegalArgumentException("missing");
            }
            level = CompatibilityLevel.parse(requested.asText());
        } catch (IllegalArgumentException e) {
            throw new SchemaRegistryException(
                    422,
                    SchemaRegistryException.INVALID_COMPATIBILITY_LEVEL,
                    "Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, "
                            + "forward_transitive, and full_transitive");
        }
        registry.setCompatibility(subject, level);
        return json.createObjectNode().put("compatibility", level.name());
    }

    private Schema readSchemaRequest(HttpExchange exchange) {
        JsonNode body = readBody(exchange);
        JsonNode type = body.get("schemaType");
        if (type != null && !type.isNull() && !type.asText().equalsIgnoreCase("AVRO")) {
            throw new SchemaRegistryException(
                    422,
                    SchemaRegistryException.INVALID_SCHEMA,
                    "Invalid schema: schemaType " + type.asText()
                            + " is not supported; this registry supports AVRO only");
        }
        if (body.path("references").size() > 0) {
            throw new SchemaRegistryException(
                    422,
                    SchemaRegistryException.INVALID_SCHEMA,
                    "Invalid schema: schema references are not supported; register the schema with every named "
                            + "type inlined");
        }
        for (String field : List.of("id", "version")) {
            if (body.hasNonNull(field)) {
                throw new SchemaRegistryException(
                        422,
                        SchemaRegistryException.INVALID_SCHEMA,
                        "Invalid schema: " + "registering with an explicit " + field
                                + " (import mode) is not supported");
            }
        }
        JsonNode text = body.get("schema");
        if (text == null || !text.isTextual() || text.asText().isBlank()) {
            throw new SchemaRegistryException(
                    422, SchemaRegistryException.INVALID_SCHEMA, "Invalid schema: the request has no 'schema' string");
        }
        try {
            return SchemaText.parse(text.asText());
        } catch (IllegalArgumentException e) {
            throw new SchemaRegistryException(
                    422, SchemaRegistryException.INVALID_SCHEMA, "Invalid schema: " + e.getMessage());
        }
    }

    private JsonNode readBody(HttpExchange exchange) {
        String type = exchange.getRequestHeaders().getFirst("Content-Type");
        if (type != null) {
            String mediaType = type.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
            if (!BODY_TYPES.contains(mediaType)) {
                throw new HttpError(
                        415, 415, "HTTP 415 Unsupported Media Type: send " + RestSchemaRegistryClient.CONTENT_TYPE);
            }
        }
        String length = exchange.getRequestHeaders().getFirst("Content-Length");
        if (length != null) {
            try {
                if (Long.parseLong(length.trim()) > maxBodyBytes) {
                    throw new HttpError(413, 413, "Request body exceeds " + maxBodyBytes + " bytes");
                }
            } catch (NumberFormatException e) {
                // The HTTP server itself refuses a bad Content-Length; nothing to add here.
            }
        }
        byte[] bytes;
        try (InputStream in = exchange.getRequestBody()) {
            bytes = in.readNBytes(maxBodyBytes + 1);
        } catch (IOException e) {
            throw new HttpError(400, 400, "Cannot read request body: " + e.getMessage());
        }
        if (bytes.length > maxBodyBytes) {
            throw new HttpError(413, 413, "Request body exceeds " + maxBodyBytes + " bytes");
        }
        try {
            JsonNode body = json.readTree(bytes);
            if (body == null || !body.isObject()) {
                throw new HttpError(400, 400, "Request body must be a JSON object");
            }
            return body;
        } catch (JsonProcessingException e) {
            throw new HttpError(400, 400, "Request body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new HttpError(400, 400, "Cannot read request body: " + e.getMessage());
        }
    }

    private JsonNode rawSchema(Schema schema) {
        try {
            return json.readTree(schema.toString());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Avro wrote a schema that is not JSON", e);
        }
    }

    private JsonNode versionBody(RegisteredSchema registered) {
        return json.createObjectNode()
                .put("subject", registered.subject())
                .put("version", registered.version())
                .put("id", registered.id())
                .put("schema", registered.schema().toString());
    }

    private static JsonNode only(String method, String allowed, JsonNode body) {
        requireMethod(method, allowed);
        return body;
    }

    private static void requireMethod(String method, String allowed) {
        if (!method.equals(allowed)) {
            throw new HttpError(405, 405, "HTTP 405 Method Not Allowed");
        }
    }

    private static boolean queryFlag(HttpExchange exchange, String name) {
        String query = exchange.getRequestURI().getRawQuery();
        if (query == null) {
            return false;
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String key = decode(eq < 0 ? pair : pair.substring(0, eq), "query parameter");
            if (key.equals(name)) {
                return eq < 0 || Boolean.parseBoolean(decode(pair.substring(eq + 1), "query parameter"));
            }
        }
        return false;
    }

    private static List<String> segments(String rawPath) {
        List<String> segments = new ArrayList<>();
        for (String segment : rawPath.split("/")) {
            if (!segment.isEmpty()) {
                // Subjects arrive percent-encoded; '+' is a literal plus in a path, not a space.
                segments.add(decode(segment.replace("+", "%2B"), "path"));
            }
        }
        return segments;
    }

    private static String decode(String text, String where) {
        try {
            return URLDecoder.decode(text, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, 400, "Bad percent-encoding in the " + where + ": " + e.getMessage());
        }
    }

    private void respondError(HttpExchange exchange, int status, int errorCode, String message) throws IOException {
        respond(
                exchange,
                status,
                json.createObjectNode().put("error_code", errorCode).put("message", message));
    }

    private static void respond(HttpExchange exchange, int status, JsonNode body) throws IOException {
        byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", RestSchemaRegistryClient.CONTENT_TYPE);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
