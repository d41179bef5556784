package io.streamrlhf.localstack.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamrlhf.avro.Feedback;
import io.streamrlhf.avro.ResponseGenerated;
import io.streamrlhf.schemas.registry.CompatibilityLevel;
import io.streamrlhf.schemas.registry.RegisteredSchema;
import io.streamrlhf.schemas.registry.RestSchemaRegistryClient;
import io.streamrlhf.schemas.registry.SchemaRegistryException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The REST client against the embedded server (in-memory mode): every endpoint and error code. */
class RestClientAgainstEmbeddedRegistryTest {

    private static final Schema V1 = SchemaBuilder.record("R")
            .namespace("t")
            .fields()
            .requiredString("a")
            .endRecord();
    private static final Schema V2 = SchemaBuilder.record("R")
            .namespace("t")
            .fields()
            .requiredString("a")
            .name("b")
            .type()
            .intType()
            .intDefault(0)
            .endRecord();
    private static final Schema V_INT =
            SchemaBuilder.record("R").namespace("t").fields().requiredInt("a").endRecord();

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private EmbeddedSchemaRegistry server;
    private RestSchemaRegistryClient client;

    @BeforeEach
    void startServer() {
        server = EmbeddedSchemaRegistry.inMemory(EmbeddedSchemaRegistry.Config.loopback())
                .start();
        client = new RestSchemaRegistryClient(server.url());
    }

    @AfterEach
    void stopServer() {
        client.close();
        server.close();
    }

    @Test
    void serverBindsToLoopbackOnAFreePort() {
        assertThat(server.url()).startsWith("http://127.0.0.1:").endsWith(":" + server.port());
        assertThat(server.port()).isPositive();
    }

    @Test
    void rootAnswersAnEmptyObject() throws Exception {
        Raw root = raw("GET", "/", null);

        assertThat(root.status).isEqualTo(200);
        assertThat(root.body.isObject() && root.body.isEmpty()).isTrue();
        assertThat(root.contentType).isEqualTo("application/vnd.schemaregistry.v1+json");
    }

    @Test
    void registeredSchemaIsFoundByIdSubjectVersionAndLookup() throws Exception {
        // given
        int id1 = client.register("orders-value", V1);
        int id2 = client.register("orders-value", V2);

        // when
        RestSchemaRegistryClient fresh = new RestSchemaRegistryClient(server.url());

        // then: through the client, with nothing cached
        assertThat(fresh.getById(id1)).isEqualTo(V1);
        assertThat(fresh.lookup("orders-value", V1)).isEqualTo(id1);
        assertThat(fresh.register("orders-value", V1)).isEqualTo(id1);
        assertThat(fresh.versions("orders-value")).containsExactly(1, 2);
        assertThat(fresh.latest("orders-value")).isEqualTo(new RegisteredSchema("orders-value", 2, id2, V2));
        assertThat(fresh.version("orders-value", 1)).isEqualTo(new RegisteredSchema("orders-value", 1, id1, V1));
        assertThat(fresh.subjects()).containsExactly("orders-value");
        // and on the wire, as Confluent's registry answers
        assertThat(raw("GET", "/subjects", null).body.toString()).isEqualTo("[\"orders-value\"]");
        assertThat(raw("GET", "/subjects/orders-value/versions", null).body.toString())
                .isEqualTo("[1,2]");
        JsonNode version = raw("GET", "/subjects/orders-value/versions/latest", null).body;
        assertThat(version.get("subject").asText()).isEqualTo("orders-value");
        assertThat(version.get("version").asInt()).isEqualTo(2);
        assertThat(version.get("id").asInt()).isEqualTo(id2);
        assertThat(new Schema.Parser().parse(version.get("schema").asText())).isEqualTo(V2);
        assertThat(raw("GET", "/subjects/orders-value/versions/-1", null)
                        .body
                        .get("version")
                        .asInt())
                .isEqualTo(2);
        assertThat(new Schema.Parser()
                        .parse(raw("GET", "/subjects/orders-value/versions/1/schema", null)
                                .body
                                .toString()))
                .isEqualTo(V1);
        assertThat(new Schema.Parser()
                        .parse(raw("GET", "/schemas/ids/" + id2, null)
                                .body
                                .get("schema")
                                .asText()))
                .isEqualTo(V2);
        assertThat(new Schema.Parser()
                        .parse(raw("GET", "/schemas/ids/" + id2 + "/schema", null)
                                .body
                                .toString()))
                .isEqualTo(V2);
        JsonNode lookup = raw("POST", "/subjects/orders-value", schemaBody(V1)).body;
        assertThat(lookup.get("version").asInt()).isEqualTo(1);
        assertThat(lookup.get("id").asInt()).isEqualTo(id1);
        assertThat(raw("POST", "/subjects/orders-value/versions", schemaBody(V2))
                        .body
                        .toString())
                .isEqualTo("{\"id\":" + id2 + "}");
    }

    @Test
    void schemaSharedByTwoSubjectsKeepsOneIdAndEachSubjectCountsItsOwnVersions() {
        int a = client.register("a-value", Feedback.getClassSchema());
        int b = client.register("b-value", ResponseGenerated.getClassSchema());
        client.setCompatibility("b-value", CompatibilityLevel.NONE);
        int shared = client.register("b-value", Feedback.getClassSchema());

        assertThat(shared).isEqualTo(a).isNotEqualTo(b);
        assertThat(client.versions("b-value")).containsExactly(1, 2);
    }

    @Test
    void subjectNamesWithSlashesSpacesAndPlusSignsRoundTrip() {
        String subject = "team/a b+c-value";

        int id = client.register(subject, V1);

        assertThat(client.latest(subject).subject()).isEqualTo(subject);
        assertThat(client.lookup(subject, V1)).isEqualTo(id);
        assertThat(client.subjects()).containsExactly(subject);
    }

    @Test
    void compatibilityCheckAnswersWithMessagesWhenVerbose() throws Exception {
        // given
        client.register("s", V1);

        // then: through the client
        assertThat(client.isCompatible("s", V2)).isTrue();
        assertThat(client.isCompatible("s", V_INT)).isFalse();
        assertThat(client.incompatibilities("s", V_INT))
                .isNotEmpty()
                .allSatisfy(m -> assertThat(m).contains("TYPE_MISMATCH"));
        assertThat(client.isCompatible("never-registered", V_INT)).isTrue();
        // and on the wire
        Raw verbose = raw("POST", "/compatibility/subjects/s/versions/latest?verbose=true", schemaBody(V_INT));
        assertThat(verbose.body.get("is_compatible").asBoolean()).isFalse();
        assertThat(verbose.body.get("messages").size()).isPositive();
        Raw terse = raw("POST", "/compatibility/subjects/s/versions/1", schemaBody(V2));
        assertThat(terse.body.toString()).isEqualTo("{\"is_compatible\":true}");
        assertThat(raw("POST", "/compatibility/subjects/nope/versions/1", schemaBody(V2))
                        .errorCode())
                .isEqualTo(SchemaRegistryException.SUBJECT_NOT_FOUND);
        assertThat(raw("POST", "/compatibility/subjects/s/versions/7", schemaBody(V2))
                        .errorCode())
                .isEqualTo(SchemaRegistryException.VERSION_NOT_FOUND);
    }

    @Test
    void compatibilityConfigIsGlobalUntilASubjectSetsItsOwn() throws Exception {
        // given: defaults
        assertThat(client.compatibility(null)).isEqualTo(CompatibilityLevel.BACKWARD);
        assertThat(raw("GET", "/config", null).body.toString()).isEqualTo("{\"compatibilityLevel\":\"BACKWARD\"}");

        // when
        client.setCompatibility(null, CompatibilityLevel.FULL);
        Raw put = raw("PUT", "/config/s", "{\"compatibility\":\"none\"}");

        // then
        assertThat(put.body.toString()).isEqualTo("{\"compatibility\":\"NONE\"}");
        assertThat(client.compatibility(null)).isEqualTo(CompatibilityLevel.FULL);
        assertThat(client.compatibility("s")).isEqualTo(CompatibilityLevel.NONE);
        assertThat(client.compatibility("other")).isEqualTo(CompatibilityLevel.FULL);
        assertThat(raw("GET", "/config/other", null).errorCode())
                .isEqualTo(SchemaRegistryException.SUBJECT_COMPATIBILITY_NOT_CONFIGURED);
        assertThat(raw("GET", "/config/other?defaultToGlobal=true", null)
                        .body
                        .get("compatibilityLevel")
                        .asText())
                .isEqualTo("FULL");
        assertThat(raw("GET", "/config/s", null).body.get("compatibilityLevel").asText())
                .isEqualTo("NONE");
    }

    @Test
    void subjectLevelConfigDecidesWhatRegisters() {
        client.register("s", V1);
        assertThat(failure(() -> client.register("s", V_INT)).errorCode())
                .isEqualTo(SchemaRegistryException.INCOMPATIBLE_SCHEMA);

        client.setCompatibility("s", CompatibilityLevel.NONE);

        assertThat(client.register("s", V_INT)).isPositive();
        assertThat(client.versions("s")).containsExactly(1, 2);
    }

    @Test
    void everyErrorHasConfluentsStatusCodeAndMessage() throws Exception {
        client.register("s", V1);

        assertError(failure(() -> client.latest("missing")), 404, SchemaRegistryException.SUBJECT_NOT_FOUND, "missing");
        assertError(
                failure(() -> client.versions("missing")), 404, SchemaRegistryException.SUBJECT_NOT_FOUND, "missing");
        assertError(failure(() -> client.version("s", 5)), 404, SchemaRegistryException.VERSION_NOT_FOUND, "5");
        assertError(
                failure(() -> client.version("missing", 1)), 404, SchemaRegistryException.SUBJECT_NOT_FOUND, "missing");
        assertError(failure(() -> client.getById(4242)), 404, SchemaRegistryException.SCHEMA_NOT_FOUND, "4242");
        assertError(
                failure(() -> client.lookup("s", V_INT)), 404, SchemaRegistryException.SCHEMA_NOT_FOUND, "not found");
        assertError(
                failure(() -> client.lookup("missing", V1)), 404, SchemaRegistryException.SUBJECT_NOT_FOUND, "missing");
        assertError(
                failure(() -> client.register("s", V_INT)),
                409,
                SchemaRegistryException.INCOMPATIBLE_SCHEMA,
                "incompatible");
        Raw misspelled = raw("POST", "/subjects/s/versions", "{\"schema\":\"{\\\"type\\\":\\\"recurd\\\"}\"}");
        assertThat(misspelled.errorCode()).isEqualTo(SchemaRegistryException.INVALID_SCHEMA);
        assertThat(misspelled.body.get("message").asText())
                .startsWith("Invalid schema: ")
                .contains("named type");
        Raw undefinedType = raw(
                "POST",
                "/subjects/s/versions",
                "{\"schema\":\"{\\\"type\\\": \\\"record\\\", \\\"name\\\": \\\"R\\\", "
                        + "\\\"fields\\\": [{\\\"name\\\": \\\"x\\\", \\\"type\\\": \\\"Undefined\\\"}]}\"}");
        assertThat(undefinedType.errorCode()).isEqualTo(SchemaRegistryException.INVALID_SCHEMA);
        assertThat(undefinedType.body.get("message").asText()).contains("Undefined");
        assertThat(raw("POST", "/subjects/s/versions", "{}").status).isEqualTo(422);
        Raw protobuf = raw(
                "POST",
                "/subjects/s/versions",
                "{\"schemaType\":\"PROTOBUF\",\"schema\":\"syntax = \\\"proto3\\\";\"}");
        assertThat(protobuf.status).isEqualTo(422);
        assertThat(protobuf.errorCode()).isEqualTo(SchemaRegistryException.INVALID_SCHEMA);
        assertThat(protobuf.body.get("message").asText()).contains("PROTOBUF").contains("AVRO only");
        Raw references = raw(
                "POST",
                "/subjects/s/versions",
                "{\"schema\":\"\\\"string\\\"\","
                        + "\"references\":[{\"name\":\"x\",\"subject\":\"y\",\"version\":1}]}");
        assertThat(references.errorCode()).isEqualTo(SchemaRegistryException.INVALID_SCHEMA);
        assertThat(references.body.get("message").asText()).contains("references");
        Raw badVersion = raw("GET", "/subjects/s/versions/0", null);
        assertThat(badVersion.status).isEqualTo(422);
        assertThat(badVersion.errorCode()).isEqualTo(SchemaRegistryException.INVALID_VERSION);
        assertThat(raw("GET", "/subjects/s/versions/two", null).errorCode())
                .isEqualTo(SchemaRegistryException.INVALID_VERSION);
        Raw badLevel = raw("PUT", "/config", "{\"compatibility\":\"SIDEWAYS\"}");
        assertThat(badLevel.status).isEqualTo(422);
        assertThat(badLevel.errorCode()).isEqualTo(SchemaRegistryException.INVALID_COMPATIBILITY_LEVEL);
        assertThat(raw("POST", "/subjects/s/versions", "{not json").status).isEqualTo(400);
        assertThat(raw("GET", "/no/such/endpoint", null).status).isEqualTo(404);
        assertThat(raw("PUT", "/subjects/s", "{}").status).isEqualTo(405);
        assertThat(raw("GET", "/schemas/ids/abc", null).errorCode())
                .isEqualTo(SchemaRegistryException.SCHEMA_NOT_FOUND);
        // nothing above changed the subject
        assertThat(client.versions("s")).containsExactly(1);
        assertThat(client.compatibility(null)).isEqualTo(CompatibilityLevel.BACKWARD);
    }

    @Test
    void primitiveSchemasRegisterAsConfluentAllowsForKeys() {
        int id = client.register("k-key", Schema.create(Schema.Type.STRING));

        assertThat(client.getById(id)).isEqualTo(Schema.create(Schema.Type.STRING));
    }

    @Test
    void concurrentRegistrationsGetDistinctIdsAndVersions() throws Exception {
        // given
        client.setCompatibility("concurrent-value", CompatibilityLevel.NONE);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Callable<Integer>> calls = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            Schema schema =
                    SchemaBuilder.record("R" + i).fields().requiredString("f").endRecord();
            calls.add(() -> client.register("concurrent-value", schema));
        }

        // when
        Set<Integer> ids = new HashSet<>();
        try {
            for (Future<Integer> f : pool.invokeAll(calls)) {
                ids.add(f.get());
            }
        } finally {
            pool.shutdownNow();
        }

        // then
        assertThat(ids).hasSize(16);
        assertThat(client.versions("concurrent-value")).hasSize(16).doesNotHaveDuplicates();
    }

    private void assertError(SchemaRegistryException e, int status, int code, String messagePart) {
        assertThat(e.httpStatus()).as(e.getMessage()).isEqualTo(status);
        assertThat(e.errorCode()).as(e.getMessage()).isEqualTo(code);
        assertThat(e.getMessage()).contains(messagePart).contains(server.url());
    }

    private static SchemaRegistryException failure(Runnable call) {
        try {
            call.run();
        } catch (SchemaRegistryException e) {
            return e;
        }
        throw new AssertionError("expected a SchemaRegistryException");
    }

    private String schemaBody(Schema schema) {
        return json.createObjectNode().put("schema", schema.toString()).toString();
    }

    private record Raw(int status, JsonNode body, String contentType) {
        int errorCode() {
            return body.path("error_code").asInt(-1);
        }
    }

    private Raw raw(String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.url() + path))
                .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Raw(
                response.statusCode(),
                json.readTree(response.body()),
                response.headers().firstValue("Content-Type").orElse(""));
    }
}
