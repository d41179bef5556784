package io.streamrlhf.localstack.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrlhf.schemas.registry.RestSchemaRegistryClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** With basic auth required, the registry answers only requests that carry its user and password. */
class RegistryBasicAuthTest {

    private static final Schema SCHEMA = SchemaBuilder.record("R")
            .namespace("t")
            .fields()
            .requiredString("a")
            .endRecord();

    private final HttpClient http = HttpClient.newHttpClient();
    private EmbeddedSchemaRegistry server;

    @BeforeEach
    void start() {
        server = EmbeddedSchemaRegistry.inMemory(EmbeddedSchemaRegistry.Config.loopback())
                .requireBasicAuth("streamrlhf:s3cret-pw")
                .start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void clientWithTheCredentialRegistersAndReads() {
        try (RestSchemaRegistryClient client = new RestSchemaRegistryClient(
                RestSchemaRegistryClient.Config.of(server.url()).withBasicAuth("streamrlhf:s3cret-pw"))) {
            int id = client.register("t-value", SCHEMA);
            assertThat(client.getById(id)).isEqualTo(SCHEMA);
        }
    }

    @Test
    void requestsWithoutOrWithAWrongCredentialGet401() throws Exception {
        assertThat(get(null)).isEqualTo(401);
        assertThat(get("streamrlhf:wrong")).isEqualTo(401);
        assertThat(get("other:s3cret-pw")).isEqualTo(401);
        assertThat(get("streamrlhf:s3cret-pw")).isEqualTo(200);
    }

    private int get(String userInfo) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.url() + "/subjects"));
        if (userInfo != null) {
            request.header(
                    "Authorization",
                    "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8)));
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }
}
