package io.streamrlhf.localstack.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamrlhf.schemas.registry.RestSchemaRegistryClient;
import io.streamrlhf.schemas.registry.SchemaRegistryException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Readers read, writers also register, admins also change compatibility and delete; others get 401. */
class RegistryRolesTest {

    private static final Schema SCHEMA = SchemaBuilder.record("R")
            .namespace("t")
            .fields()
            .requiredString("a")
            .endRecord();
    private static final String READER = "grafana:read-pw-1";
    private static final String WRITER = "trainer:write-pw-2";
    private static final String ADMIN = "ops:admin-pw-3";
    private static final String SCHEMA_BODY =
            "{\"schema\":\"{\\\"type\\\":\\\"record\\\",\\\"name\\\":\\\"R\\\",\\\"namespace\\\":\\\"t\\\","
                    + "\\\"fields\\\":[{\\\"name\\\":\\\"a\\\",\\\"type\\\":\\\"string\\\"}]}\"}";

    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();
    private EmbeddedSchemaRegistry server;

    @BeforeEach
    void start() {
        server = EmbeddedSchemaRegistry.inMemory(EmbeddedSchemaRegistry.Config.loopback())
                .users(RegistryUser.parseList(
                        "grafana:reader:read-pw-1, trainer:writer:write-pw-2,ops:ADMIN:admin-pw-3"))
                .start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void requestsWithoutAKnownUserAndPasswordGet401WithConfluentsErrorBody() throws Exception {
        for (String userInfo : new String[] {null, "grafana:wrong", "nobody:read-pw-1", "grafana", "ops:"}) {
            HttpResponse<String> response = send("GET", "/subjects", null, userInfo);
            assertThat(response.statusCode()).as(String.valueOf(userInfo)).isEqualTo(401);
            JsonNode body = json.readTree(response.body());
            assertThat(body.get("error_code").asInt()).isEqualTo(401);
            assertThat(body.get("message").asText()).isNotBlank();
            assertThat(response.headers().firstValue("WWW-Authenticate"))
                    .hasValueSatisfying(v -> assertThat(v).startsWith("Basic"));
        }
    }

    @Test
    void aReaderReadsLooksUpAndChecksButCannotRegisterChangeCompatibilityOrDelete() throws Exception {
        register(ADMIN);

        assertThat(send("GET", "/subjects", null, READER).statusCode()).isEqualTo(200);
        assertThat(send("GET", "/schemas/ids/1", null, READER).statusCode()).isEqualTo(200);
        assertThat(send("POST", "/subjects/t-value", SCHEMA_BODY, READER).statusCode())
                .isEqualTo(200);
        assertThat(send("POST", "/compatibility/subjects/t-value/versions/latest", SCHEMA_BODY, READER)
                        .statusCode())
                .isEqualTo(200);

        assertForbidden(send("POST", "/subjects/t-value/versions", SCHEMA_BODY, READER));
        assertForbidden(send("PUT", "/config", "{\"compatibility\":\"NONE\"}", READER));
        assertForbidden(send("DELETE", "/subjects/t-value", null, READER));
    }

    @Test
    void aWriterRegistersButCannotChangeCompatibilityOrDelete() throws Exception {
        try (RestSchemaRegistryClient client = client(WRITER)) {
            assertThat(client.register("t-value", SCHEMA)).isEqualTo(1);
        }
        assertForbidden(send("PUT", "/config", "{\"compatibility\":\"NONE\"}", WRITER));
        assertForbidden(send("PUT", "/config/t-value", "{\"compatibility\":\"NONE\"}", WRITER));
        assertForbidden(send("DELETE", "/subjects/t-value/versions/1", null, WRITER));
        assertThat(json.readTree(send("GET", "/config", null, WRITER).body())
                        .get("compatibilityLevel")
                        .asText())
                .isEqualTo("BACKWARD");
    }

    @Test
    void anAdminChangesCompatibility() throws Exception {
        assertThat(send("PUT", "/config/t-value", "{\"compatibility\":\"FULL\"}", ADMIN)
                        .statusCode())
                .isEqualTo(200);
        assertThat(send("PUT", "/config", "{\"compatibility\":\"NONE\"}", ADMIN).statusCode())
                .isEqualTo(200);
        assertThat(server.registry().compatibility(null).name()).isEqualTo("NONE");
    }

    @Test
    void theClientReportsAForbiddenRegistrationAs403() {
        try (RestSchemaRegistryClient client = client(READER)) {
            assertThatThrownBy(() -> client.register("t-value", SCHEMA))
                    .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                        assertThat(e.httpStatus()).isEqualTo(403);
                        assertThat(e.errorCode()).isEqualTo(RegistryHttpHandler.FORBIDDEN);
                    });
        }
    }

    @Test
    void aUserListNamesNoPasswordInItsErrorsOrToString() {
        assertThatThrownBy(() -> RegistryUser.parseList("a:superuser:hunter22"))
                .hasMessageNotContaining("hunter22")
                .hasMessageContaining("superuser");
        assertThatThrownBy(() -> RegistryUser.parseList("a:reader:hunter22,a:writer:hunter23"))
                .hasMessageNotContaining("hunter2")
                .hasMessageContaining("twice");
        assertThatThrownBy(() -> RegistryUser.parseList("a:reader")).hasMessageContaining("name:role:password");
        List<RegistryUser> users = RegistryUser.parseList("a:reader:pw:with:colons");
        assertThat(users.get(0).password()).isEqualTo("pw:with:colons");
        assertThat(users.toString()).doesNotContain("pw:with");
    }

    private void register(String userInfo) {
        try (RestSchemaRegistryClient client = client(userInfo)) {
            client.register("t-value", SCHEMA);
        }
    }

    private RestSchemaRegistryClient client(String userInfo) {
        return new RestSchemaRegistryClient(
                RestSchemaRegistryClient.Config.of(server.url()).withBasicAuth(userInfo));
    }

    private void assertForbidden(HttpResponse<String> response) throws Exception {
        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(json.readTree(response.body()).get("error_code").asInt()).isEqualTo(40301);
    }

    private HttpResponse<String> send(String method, String path, String body, String userInfo) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.url() + path))
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", RestSchemaRegistryClient.CONTENT_TYPE);
        }
        if (userInfo != null) {
            request.header(
                    "Authorization",
                    "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8)));
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
