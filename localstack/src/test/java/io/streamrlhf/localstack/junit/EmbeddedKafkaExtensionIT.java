package io.streamrlhf.localstack.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.streamrlhf.localstack.registry.EmbeddedSchemaRegistry;
import io.streamrlhf.schemas.registry.RestSchemaRegistryClient;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The extension gives a class a working broker and registry, unique names, and shuts both down. */
class EmbeddedKafkaExtensionIT {

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    @Test
    void brokerAcceptsTopicsAndRegistryServesSchemasOverHttp() throws Exception {
        // given a topic on the class's broker
        String topic = KAFKA.uniquePrefix() + "events";
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
            // createTopics completes once the controller has the topic; the broker's metadata may lag behind it.
            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(
                            () -> assertThat(admin.listTopics().names().get()).contains(topic));
        }

        // when a schema is registered through the client
        Schema schema = SchemaBuilder.record("Probe")
                .namespace("io.streamrlhf.test")
                .fields()
                .requiredString("id")
                .endRecord();
        int id = KAFKA.schemaRegistryClient().register(topic + "-value", schema);

        // then a second, independent client reads it back by id from the URL
        Schema read = new RestSchemaRegistryClient(KAFKA.schemaRegistryUrl()).getById(id);
        assertThat(read).isEqualTo(schema);
    }

    @Test
    void aFurtherRegistryRestartedOnItsPortServesTheSchemasRegisteredBeforeItStopped() throws Exception {
        // given a further registry with its own log, and a schema registered in it
        String log = KAFKA.uniquePrefix() + "schemas";
        Schema schema = SchemaBuilder.record("Outage")
                .namespace("io.streamrlhf.test")
                .fields()
                .requiredLong("at")
                .endRecord();
        EmbeddedSchemaRegistry first = KAFKA.startSchemaRegistry(log, 0);
        int port = first.port();
        String url = first.url();
        int id;
        try {
            id = new RestSchemaRegistryClient(url).register("outage-value", schema);
            assertThat(url).isNotEqualTo(KAFKA.schemaRegistryUrl());
        } finally {
            first.close();
        }

        // when it starts again on the same port
        try (EmbeddedSchemaRegistry second = KAFKA.startSchemaRegistry(log, port)) {
            // then a new client at the old URL reads the schema back by its id
            assertThat(second.url()).isEqualTo(url);
            assertThat(new RestSchemaRegistryClient(url).getById(id)).isEqualTo(schema);
        }
    }

    @Test
    void uniqueNamesNeverRepeat() {
        Collection<String> names = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            assertThat(names.add(KAFKA.uniqueName("app"))).isTrue();
            assertThat(names.add(KAFKA.uniquePrefix())).isTrue();
        }
        assertThat(KAFKA.uniquePrefix()).endsWith(".");
    }

    @Test
    void afterAllClosesTheRegistryAndTheBroker() throws Exception {
        // given a second extension, driven by hand, outside any test class lifecycle
        EmbeddedKafkaExtension own = new EmbeddedKafkaExtension();
        own.beforeAll(classContext());
        String url = own.schemaRegistryUrl();
        assertThat(get(url + "/subjects").statusCode()).isEqualTo(200);

        // when
        own.afterAll(classContext());

        // then nothing listens any more, and the accessors say why
        assertThatThrownBy(() -> get(url + "/subjects")).isInstanceOf(ConnectException.class);
        assertThatThrownBy(own::bootstrapServers)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("@RegisterExtension static final EmbeddedKafkaExtension");
    }

    /** The one thing the extension asks of its context: the test class. */
    private static ExtensionContext classContext() {
        return (ExtensionContext) Proxy.newProxyInstance(
                ExtensionContext.class.getClassLoader(),
                new Class<?>[] {ExtensionContext.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("getRequiredTestClass")) {
                        return EmbeddedKafkaExtensionIT.class;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    private static HttpResponse<String> get(String url) throws IOException, InterruptedException {
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        return http.send(
                HttpRequest.newBuilder(URI.create(url))
                        .timeout(Duration.ofSeconds(10))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
