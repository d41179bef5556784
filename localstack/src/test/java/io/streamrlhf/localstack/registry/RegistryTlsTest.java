package io.streamrlhf.localstack.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamrlhf.localstack.broker.TlsMaterial;
import io.streamrlhf.schemas.registry.RestSchemaRegistryClient;
import io.streamrlhf.schemas.registry.SchemaRegistryException;
import java.nio.file.Path;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Over TLS the registry is reached by a client that trusts its authority, and by no other. */
class RegistryTlsTest {

    private static final Schema SCHEMA = SchemaBuilder.record("R")
            .namespace("t")
            .fields()
            .requiredString("a")
            .endRecord();

    @TempDir
    static Path dir;

    private static TlsMaterial tls;
    private static EmbeddedSchemaRegistry server;

    @BeforeAll
    static void start() {
        tls = TlsMaterial.generate(dir, "key-pw", "trust-pw");
        server = EmbeddedSchemaRegistry.inMemory(EmbeddedSchemaRegistry.Config.loopback())
                .tls(tls)
                .requireBasicAuth("ops:pw")
                .start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void aClientTrustingTheRegistrysTruststoreRegistersOverHttps() {
        assertThat(server.url()).startsWith("https://127.0.0.1:");
        Map<String, String> settings = Map.of(
                "schema.registry.url",
                server.url(),
                "schema.registry.basic.auth.user.info",
                "ops:pw",
                "schema.registry.ssl.truststore.location",
                tls.truststore().toString(),
                "schema.registry.ssl.truststore.password",
                "trust-pw");
        try (RestSchemaRegistryClient client =
                new RestSchemaRegistryClient(RestSchemaRegistryClient.Config.fromSettings(settings))) {
            int id = client.register("t-value", SCHEMA);
            assertThat(client.getById(id)).isEqualTo(SCHEMA);
        }
    }

    @Test
    void theKafkaTruststoreServesTheRegistryWhenNoRegistryTruststoreIsSet() {
        Map<String, String> settings = Map.of(
                "schema.registry.url", server.url(),
                "schema.registry.basic.auth.user.info", "ops:pw",
                "kafka.ssl.truststore.location", tls.truststore().toString(),
                "kafka.ssl.truststore.password", "trust-pw",
                "kafka.ssl.truststore.type", "PKCS12");
        try (RestSchemaRegistryClient client =
                new RestSchemaRegistryClient(RestSchemaRegistryClient.Config.fromSettings(settings))) {
            assertThat(client.compatibility(null).name()).isEqualTo("BACKWARD");
        }
    }

    @Test
    void aClientWithTheDefaultAuthoritiesIsRefused() {
        try (RestSchemaRegistryClient client = new RestSchemaRegistryClient(
                RestSchemaRegistryClient.Config.of(server.url()).withBasicAuth("ops:pw"))) {
            assertThatThrownBy(() -> client.compatibility(null))
                    .isInstanceOfSatisfying(
                            SchemaRegistryException.class,
                            e -> assertThat(e.httpStatus()).isZero());
        }
    }
}
