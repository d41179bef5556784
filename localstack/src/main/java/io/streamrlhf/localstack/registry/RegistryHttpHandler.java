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
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the Confluent Schema Registry REST API over an {@link InMemorySchemaRegistry}: routing, request
 * parsing and Confluent's error bodies ({@code {"error_code":..., "message":...}}).
 */
final class RegistryHttpHandler implements HttpHandler {

    private static final Logger log = LoggerFactory.getLogger(RegistryHttpHandler.class);
    private static final int MAX_BODY_BYTES = 16 * 1024 * 1024;

    private final InMemorySchemaRegistry registry;
    private final ObjectMapper json = new ObjectMapper();

    RegistryHttpHandler(InMemorySchemaRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
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
            JsonNode response = route(exchange, method, segments(path));
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

    private JsonNode route(HttpExchange exchange, String method, List<String> p) {
        int n = p.size();
        if (n == 0) {
            return only(method, "GET", json.createObjectNode());
        }
        switch (p.get(0)) {
            case "subjects" -> {
                if (n == 1) {
                    return only(method, "GET", listSubjects());
                }
                String subject = p.get(1);
                if (n == 2) {
                    requireMethod(method, "POST");
                    return lookup(subject, readSchemaRequest(exchange));
                }
                if (n >= 3 && p.get(2).equals("versions")) {
                    if (n == 3) {
                        if (method.equals("POST")) {
                            return register(subject, readSchemaRequest(exchange));
                        }
                        return only(method, "GET", listVersions(subject));
                    }
                    if (n == 4) {
                        return only(method, "GET", versionBody(version(subject, p.get(3))));
                    }
                    if (n == 5 && p.get(4).equals("schema")) {
                        return only(
                                method,
                                "GET",
                                rawSchema(version(subject, p.get(3)).schema()));
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

    private JsonNode listSubjects() {
        ArrayNode subjects = json.createArrayNode();
        registry.subjects().forEach(subjects::add);
        return subjects;
    }

    private JsonNode listVersions(String subject) {
        ArrayNode versions = json.createArrayNode();
        registry.versions(subject).forEach(versions::add);
        return versions;
    }

    private JsonNode register(String subject, Schema schema) {
        int id = registry.register(subject, schema);
        log.debug("Registered schema id {} under {}", id, subject);
        return json.createObjectNode().put("id", id);
    }

    private JsonNode lookup(String subject, Schema schema) {
        int id = registry.lookup(subject, schema);
        for (int version : registry.versions(subject)) {
            RegisteredSchema registered = registry.version(subject, version);
            if (registered.id() == id && registered.schema().equals(schema)) {
                return versionBody(registered);
            }
        }
        throw new SchemaRegistryException(404, SchemaRegistryException.SCHEMA_NOT_FOUND, "Schema not found");
    }

    private RegisteredSchema version(String subject, String version) {
        if (version.equals("latest") || version.equals("-1")) {
            return registry.latest(subject);
        }
        int number = parseVersion(version);
        registry.versions(subject); // 40401 for a missing subject before 40402 for a missing version
        return registry.version(subject, number);
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
            RegisteredSchema against = version(subject, version);
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
        byte[] bytes;
        try (InputStream in = exchange.getRequestBody()) {
            bytes = in.readNBytes(MAX_BODY_BYTES + 1);
        } catch (IOException e) {
            throw new HttpError(400, 400, "Cannot read request body: " + e.getMessage());
        }
        if (bytes.length > MAX_BODY_BYTES) {
            throw new HttpError(413, 413, "Request body exceeds " + MAX_BODY_BYTES + " bytes");
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
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            if (key.equals(name)) {
                return eq < 0
                        || Boolean.parseBoolean(URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return false;
    }

    private static List<String> segments(String rawPath) {
        List<String> segments = new ArrayList<>();
        for (String segment : rawPath.split("/")) {
            if (!segment.isEmpty()) {
                // Subjects arrive percent-encoded; '+' is a literal plus in a path, not a space.
                segments.add(URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8));
            }
        }
        return segments;
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
