package io.streamrlhf.localstack.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamrlhf.schemas.registry.RestSchemaRegistryClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Confluent's delete semantics over HTTP: soft deletes hide versions but keep schemas readable by id, permanent
 * deletes only after a soft delete, and the 4040x codes for each refusal.
 */
class RegistryDeleteTest {

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

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private EmbeddedSchemaRegistry server;
    private RestSchemaRegistryClient client;
    private int id1;
    private int id2;

    @BeforeEach
    void start() {
        server = EmbeddedSchemaRegistry.inMemory(EmbeddedSchemaRegistry.Config.loopback())
                .start();
        client = new RestSchemaRegistryClient(server.url());
        id1 = client.register("s-value", V1);
        id2 = client.register("s-value", V2);
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
    }

    @Test
    void softDeletingASubjectReturnsItsVersionsAndHidesItButKeepsItsSchemasReadableById() throws Exception {
        assertThat(call("DELETE", "/subjects/s-value").body).isEqualTo(json.readTree("[1,2]"));

        assertThat(call("GET", "/subjects").body).isEqualTo(json.readTree("[]"));
        assertThat(call("GET", "/subjects?deleted=true").body).isEqualTo(json.readTree("[\"s-value\"]"));
        assertError(call("GET", "/subjects/s-value/versions"), 404, 40401);
        assertThat(call("GET", "/subjects/s-value/versions?deleted=true").body).isEqualTo(json.readTree("[1,2]"));
        assertError(call("GET", "/subjects/s-value/versions/1"), 404, 40401);
        assertThat(call("GET", "/subjects/s-value/versions/1?deleted=true")
                        .body
                        .get("id")
                        .asInt())
                .isEqualTo(id1);
        // consumers of records written with a soft-deleted schema still read them
        assertThat(call("GET", "/schemas/ids/" + id2).status).isEqualTo(200);
        assertThat(client.getById(id1)).isEqualTo(V1);
    }

    @Test
    void softDeletingASubjectTwiceAnswers40404AndAPermanentDeleteFirstAnswers40405() throws Exception {
        assertError(call("DELETE", "/subjects/s-value?permanent=true"), 404, 40405);
        assertThat(call("DELETE", "/subjects/s-value").status).isEqualTo(200);
        assertError(call("DELETE", "/subjects/s-value"), 404, 40404);
        assertError(call("DELETE", "/subjects/nothing"), 404, 40401);
    }

    @Test
    void aPermanentDeleteAfterASoftDeleteForgetsTheSubjectAndItsSchemas() throws Exception {
        call("DELETE", "/subjects/s-value");

        assertThat(call("DELETE", "/subjects/s-value?permanent=true").body).isEqualTo(json.readTree("[1,2]"));

        assertThat(call("GET", "/subjects?deleted=true").body).isEqualTo(json.readTree("[]"));
        assertError(call("GET", "/schemas/ids/" + id1), 404, 40403);
        assertError(call("DELETE", "/subjects/s-value?permanent=true"), 404, 40401);
    }

    @Test
    void aVersionIsSoftDeletedThenPermanentlyWithItsOwnCodes() throws Exception {
        assertError(call("DELETE", "/subjects/s-value/versions/2?permanent=true"), 404, 40407);
        assertThat(call("DELETE", "/subjects/s-value/versions/latest").body.asInt())
                .isEqualTo(2);

        assertThat(call("GET", "/subjects/s-value/versions").body).isEqualTo(json.readTree("[1]"));
        assertError(call("GET", "/subjects/s-value/versions/2"), 404, 40402);
        assertThat(call("GET", "/subjects/s-value/versions/latest")
                        .body
                        .get("version")
                        .asInt())
                .isEqualTo(1);
        assertError(call("DELETE", "/subjects/s-value/versions/2"), 404, 40406);
        assertError(call("DELETE", "/subjects/s-value/versions/9"), 404, 40402);
        assertError(call("DELETE", "/subjects/s-value/versions/zero"), 422, 42202);
        assertThat(call("GET", "/schemas/ids/" + id2).status).isEqualTo(200);

        assertThat(call("DELETE", "/subjects/s-value/versions/2?permanent=true")
                        .body
                        .asInt())
                .isEqualTo(2);
        assertThat(call("GET", "/subjects/s-value/versions?deleted=true").body).isEqualTo(json.readTree("[1]"));
        assertError(call("GET", "/schemas/ids/" + id2), 404, 40403);
    }

    @Test
    void aSoftDeletedSchemaRegisteredAgainGetsANewVersionAndItsOldId() throws Exception {
        call("DELETE", "/subjects/s-value/versions/2");

        // Over HTTP: the client's own cache would answer without asking the registry.
        int again;
        try (RestSchemaRegistryClient fresh = new RestSchemaRegistryClient(server.url())) {
            again = fresh.register("s-value", V2);
        }

        assertThat(again).isEqualTo(id2);
        assertThat(call("GET", "/subjects/s-value/versions").body).isEqualTo(json.readTree("[1,3]"));
    }

    private record Raw(int status, JsonNode body) {}

    @Test
    void deletingASubjectsLevelAnswersItAndTheSubjectFollowsTheGlobalLevelAgain() throws Exception {
        server.registry().setCompatibility("s-value", io.streamrlhf.schemas.registry.CompatibilityLevel.NONE);

        Raw deleted = call("DELETE", "/config/s-value");

        assertThat(deleted.status).isEqualTo(200);
        assertThat(deleted.body).isEqualTo(json.readTree("{\"compatibilityLevel\":\"NONE\"}"));
        assertError(call("GET", "/config/s-value"), 404, 40408);
        assertThat(call("GET", "/config/s-value?defaultToGlobal=true").body)
                .isEqualTo(json.readTree("{\"compatibilityLevel\":\"BACKWARD\"}"));
        assertError(call("DELETE", "/config/s-value"), 404, 40408);
        assertError(call("DELETE", "/config/nothing"), 404, 40401);
        // Only an admin may: DELETE is never a reader's or writer's request
        assertThat(RegistryHttpHandler.requiredRole("DELETE", java.util.List.of("config", "s-value")))
                .isEqualTo(RegistryRole.ADMIN);
    }

    @Test
    void deletingTheGlobalLevelResetsItToBackward() throws Exception {
        server.registry().setCompatibility(null, io.streamrlhf.schemas.registry.CompatibilityLevel.FULL);

        assertThat(call("DELETE", "/config").body).isEqualTo(json.readTree("{\"compatibilityLevel\":\"FULL\"}"));

        assertThat(call("GET", "/config").body).isEqualTo(json.readTree("{\"compatibilityLevel\":\"BACKWARD\"}"));
    }

    private Raw call(String method, String path) throws Exception {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create(server.url() + path))
                        .method(method, HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        return new Raw(response.statusCode(), json.readTree(response.body()));
    }

    private static void assertError(Raw raw, int status, int errorCode) {
        assertThat(raw.status).as(raw.body.toString()).isEqualTo(status);
        assertThat(raw.body.get("error_code").asInt()).isEqualTo(errorCode);
        assertThat(raw.body.get("message").asText()).isNotBlank();
    }
}
