package io.streamrlhf.app.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.streamrlhf.app.security.ComponentPrincipal;
import io.streamrlhf.app.security.KafkaAcls;
import io.streamrlhf.localstack.broker.BrokerSecurity;
import io.streamrlhf.localstack.broker.TlsMaterial;
import io.streamrlhf.localstack.stack.LocalStack;
import io.streamrlhf.localstack.stack.StackConfig;
import io.streamrlhf.schemas.registry.RestSchemaRegistryClient;
import io.streamrlhf.schemas.registry.SchemaRegistryException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code streamrlhf registry} on a SASL_SSL (SCRAM-SHA-512) broker with the {@code StandardAuthorizer}: the registry
 * authenticates to Kafka as its own principal holding only its ACLs ({@link KafkaAcls}, component {@code registry}),
 * serves HTTPS with basic authentication and roles, and a second instance on the same log fences the first.
 */
class RegistryServiceIT {

    private static final String REGISTRY_USER = "streamrlhf-registry";
    private static final String WRITER = "ci-writer:w-secret-1";
    private static final String READER = "ci-reader:r-secret-2";

    @TempDir
    static Path dir;

    private static LocalStack stack;
    private static TlsMaterial registryTls;

    @BeforeAll
    static void startSecuredBroker() throws Exception {
        Map<String, String> stackSettings =
                Map.of("data.dir", dir.resolve("stack").toString());
        stack = LocalStack.secured(
                        StackConfig.from(stackSettings),
                        "streamrlhf-admin",
                        List.of(REGISTRY_USER),
                        BrokerSecurity.Mode.SASL_SSL,
                        Map.of())
                .start();
        try (Admin admin = Admin.create(stack.adminProperties())) {
            for (String log : List.of("it.auth.schemas", "it.fencing.schemas")) {
                admin.createAcls(
                                KafkaAcls.forSettings(Map.of("topic.schemas", log))
                                        .of(ComponentPrincipal.REGISTRY)
                                        .stream()
                                        .flatMap(g -> g.bindings().stream())
                                        .toList())
                        .all()
                        .get(60, TimeUnit.SECONDS);
            }
        }
        registryTls = TlsMaterial.generate(dir.resolve("registry-tls"), "ks-pw-12345", "ts-pw-12345");
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void aWriterRegistersOverTlsAReaderIsRefusedWith40301AndAStrangerWith401() throws Exception {
        try (RegistryService registry = RegistryService.start(settings("it.auth.schemas"))) {
            assertThat(registry.url()).startsWith("https://");

            // Given a writer's registration
            int id;
            try (RestSchemaRegistryClient writer = client(registry, WRITER)) {
                id = writer.register("t-value", schema("A"));
            }
            assertThat(id).isPositive();

            try (RestSchemaRegistryClient reader = client(registry, READER);
                    RestSchemaRegistryClient stranger = client(registry, null)) {
                // Then a reader reads it, but may not register
                assertThat(reader.lookup("t-value", schema("A"))).isEqualTo(id);
                assertThatThrownBy(() -> reader.register("t-value", schema("B")))
                        .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                            assertThat(e.httpStatus()).isEqualTo(403);
                            assertThat(e.errorCode()).isEqualTo(40301);
                        });
                // And a client without a user is not let in at all
                assertThatThrownBy(stranger::subjects)
                        .isInstanceOfSatisfying(
                                SchemaRegistryException.class,
                                e -> assertThat(e.httpStatus()).isEqualTo(401));
            }
            assertThat(ready(registry).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aSecondInstanceOnTheSameLogFencesTheFirstWhichThenServesReadsOnly() throws Exception {
        Map<String, String> settings = settings("it.fencing.schemas");
        try (RegistryService first = RegistryService.start(settings)) {
            try (RestSchemaRegistryClient writer = client(first, WRITER)) {
                assertThat(writer.register("f-value", schema("A"))).isPositive();
            }

            // When a second instance starts on the same log
            try (RegistryService second = RegistryService.start(settings);
                    RestSchemaRegistryClient toFirst = client(first, WRITER);
                    RestSchemaRegistryClient toSecond = client(second, WRITER)) {
                // Then the first refuses changes with Confluent's "not the leader" code
                assertThatThrownBy(() -> toFirst.register("f-value", schema("B")))
                        .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                            assertThat(e.httpStatus()).isEqualTo(500);
                            assertThat(e.errorCode()).isEqualTo(50004);
                        });
                assertThat(first.fenced()).isTrue();
                HttpResponse<String> firstReady = ready(first);
                assertThat(firstReady.statusCode()).isEqualTo(503);
                assertThat(firstReady.body()).contains("FENCED");
                assertThat(ready(second).statusCode()).isEqualTo(200);

                // And the second registers, and the first follows its log, so reads agree on the id
                int id = toSecond.register("f-value", schema("B"));
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                    try (RestSchemaRegistryClient reader = client(first, READER)) {
                        assertThat(reader.lookup("f-value", schema("B"))).isEqualTo(id);
                    }
                });
            }
        }
    }

    private static Map<String, String> settings(String log) throws Exception {
        Path users = dir.resolve("users-" + log);
        Files.writeString(
                users,
                "# registry users of the test\nci-writer:writer:w-secret-1\n\nci-reader:reader:r-secret-2\n"
                        + "ci-admin:admin:a-secret-3\n");
        Map<String, String> s = new HashMap<>();
        s.put("bootstrap.servers", stack.bootstrapServers());
        s.put("topic.schemas", log);
        stack.security()
                .orElseThrow()
                .clientProperties(REGISTRY_USER)
                .forEach((k, v) -> s.put("registry.kafka." + k, v));
        s.put("registry.bind", "127.0.0.1");
        s.put("registry.port", "0");
        s.put("ops.port", "0");
        s.put("registry.ssl.keystore.location", registryTls.keystore().toString());
        s.put("registry.ssl.keystore.password", registryTls.keystorePassword());
        s.put("registry.auth.users.file", users.toString());
        return s;
    }

    private static RestSchemaRegistryClient client(RegistryService registry, String userInfo) {
        Map<String, String> s = new HashMap<>();
        s.put("schema.registry.url", registry.url());
        s.put(
                "schema.registry.ssl.truststore.location",
                registryTls.truststore().toString());
        s.put("schema.registry.ssl.truststore.password", registryTls.truststorePassword());
        if (userInfo != null) {
            s.put("schema.registry.basic.auth.user.info", userInfo);
        }
        return new RestSchemaRegistryClient(RestSchemaRegistryClient.Config.fromSettings(s));
    }

    private static HttpResponse<String> ready(RegistryService registry) throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(
                                        "http://127.0.0.1:" + registry.opsPort().orElseThrow() + "/health/ready"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }

    private static Schema schema(String field) {
        return SchemaBuilder.record("R")
                .namespace("it")
                .fields()
                .optionalString(field.toLowerCase(java.util.Locale.ROOT))
                .endRecord();
    }
}
