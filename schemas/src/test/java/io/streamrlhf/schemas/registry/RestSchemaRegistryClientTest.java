package io.streamrlhf.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.type;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The REST client's own behaviour: configuration, transport failures, auth, lenient parsing, caching. */
class RestSchemaRegistryClientTest {

    private static final Schema SCHEMA =
            SchemaBuilder.record("R").fields().requiredString("a").endRecord();

    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private HttpServer stub;

    @AfterEach
    void stopStub() {
        if (stub != null) {
            stub.stop(0);
        }
    }

    @Test
    void registryThatCannotBeReachedFailsWithStatusZeroNamingTheUrl() throws IOException {
        // given
        String url = "http://127.0.0.1:" + closedPort();
        RestSchemaRegistryClient client = new RestSchemaRegistryClient(
                RestSchemaRegistryClient.Config.of(url).withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(2)));

        // when / then
        assertThatThrownBy(() -> client.getById(1))
                .asInstanceOf(type(SchemaRegistryException.class))
                .satisfies(e -> {
                    assertThat(e.httpStatus()).isZero();
                    assertThat(e.isNotFound()).isFalse();
                    assertThat(e.getMessage()).contains(url + "/schemas/ids/1").contains("Cannot reach");
                });
    }

    @Test
    void registryThatDoesNotAnswerInTimeFailsWithStatusZero() throws IOException {
        // given: a stub that never answers
        stub("/", exchange -> {
            // hold the exchange open: no response
        });
        RestSchemaRegistryClient client = new RestSchemaRegistryClient(RestSchemaRegistryClient.Config.of(stubUrl())
                .withTimeouts(Duration.ofSeconds(1), Duration.ofMillis(300)));

        // when / then
        assertThatThrownBy(() -> client.latest("s"))
                .asInstanceOf(type(SchemaRegistryException.class))
                .satisfies(e -> {
                    assertThat(e.httpStatus()).isZero();
                    assertThat(e.getMessage()).contains("did not answer").contains("300 ms");
                });
    }

    @Test
    void credentialsInTheUrlBecomeBasicAuthAndAreNotPrinted() throws IOException {
        // given
        stub("/", exchange -> answer(exchange, 200, "{\"id\": 7, \"guid\": \"ignored\", \"extra\": [1, 2]}"));
        String url = stubUrl().replace("http://", "http://key:s%40cret@");
        RestSchemaRegistryClient client = new RestSchemaRegistryClient(url);

        // when
        int id = client.register("s", SCHEMA);

        // then: extra fields tolerated, credentials sent and hidden
        assertThat(id).isEqualTo(7);
        assertThat(authorizations)
                .containsExactly("Basic "
                        + java.util.Base64.getEncoder().encodeToString("key:s@cret".getBytes(StandardCharsets.UTF_8)));
        assertThat(client.config().url().toString()).doesNotContain("key").doesNotContain("cret");
        assertThat(client.config().toString()).doesNotContain("cret");
    }

    @Test
    void idsAndSchemasAreCachedButLatestIsAlwaysAskedAgain() throws IOException {
        // given
        stub("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            if (path.startsWith("/schemas/ids/")) {
                answer(exchange, 200, "{\"schema\": " + quote(SCHEMA.toString()) + ", \"schemaType\": \"AVRO\"}");
            } else if (path.endsWith("/versions/latest")) {
                answer(
                        exchange,
                        200,
                        "{\"subject\":\"s\",\"version\":1,\"id\":3,\"schema\":" + quote(SCHEMA.toString()) + "}");
            } else {
                answer(exchange, 200, "{\"id\": 3}");
            }
        });
        RestSchemaRegistryClient client = new RestSchemaRegistryClient(stubUrl());

        // when
        for (int i = 0; i < 3; i++) {
            client.register("s", SCHEMA);
            client.getById(5);
            client.latest("s");
        }

        // then
        assertThat(requests)
                .containsExactly(
                        "POST /subjects/s/versions",
                        "GET /schemas/ids/5",
                        "GET /subjects/s/versions/latest",
                        "GET /subjects/s/versions/latest",
                        "GET /subjects/s/versions/latest");
    }

    @Test
    void errorBodyThatIsNotJsonKeepsTheHttpStatusAsCode() throws IOException {
        // given: a proxy in front of the registry answering HTML
        stub("/", exchange -> answer(exchange, 502, "<html><body>Bad Gateway</body></html>"));
        RestSchemaRegistryClient client = new RestSchemaRegistryClient(stubUrl());

        // when / then
        assertThatThrownBy(() -> client.versions("s"))
                .asInstanceOf(type(SchemaRegistryException.class))
                .satisfies(e -> {
                    assertThat(e.httpStatus()).isEqualTo(502);
                    assertThat(e.errorCode()).isEqualTo(502);
                    assertThat(e.getMessage()).contains("Bad Gateway");
                });
    }

    @Test
    void nonAvroSchemaFromAnotherClientIsRejectedClearly() throws IOException {
        // given
        stub(
                "/",
                exchange ->
                        answer(exchange, 200, "{\"schemaType\":\"PROTOBUF\",\"schema\":\"syntax = \\\"proto3\\\";\"}"));
        RestSchemaRegistryClient client = new RestSchemaRegistryClient(stubUrl());

        // when / then
        assertThatThrownBy(() -> client.getById(9))
                .asInstanceOf(type(SchemaRegistryException.class))
                .satisfies(e -> {
                    assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.INVALID_SCHEMA);
                    assertThat(e.getMessage()).contains("PROTOBUF").contains("only AVRO");
                });
    }

    @Test
    void registryIgnoringDefaultToGlobalFallsBackToTheGlobalLevel() throws IOException {
        // given: an older registry that answers 40408 for a subject without its own level
        stub("/", exchange -> {
            if (exchange.getRequestURI().getPath().equals("/config")) {
                answer(exchange, 200, "{\"compatibilityLevel\":\"FORWARD\"}");
            } else {
                answer(
                        exchange,
                        404,
                        "{\"error_code\":40408,\"message\":\"Subject 's' does not have subject-level compatibility configured\"}");
            }
        });
        RestSchemaRegistryClient client = new RestSchemaRegistryClient(stubUrl());

        // when / then
        assertThat(client.compatibility("s")).isEqualTo(CompatibilityLevel.FORWARD);
    }

    @Test
    void configRejectsWhatCannotWork() {
        assertThatThrownBy(() -> RestSchemaRegistryClient.Config.of("ftp://host"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("http://");
        assertThatThrownBy(() -> RestSchemaRegistryClient.Config.of("localhost:8081"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RestSchemaRegistryClient.Config(
                        URI.create("http://h:1"), Duration.ZERO, Duration.ofSeconds(1), Optional.empty()))
                .hasMessageContaining("positive");
        assertThatThrownBy(
                        () -> RestSchemaRegistryClient.Config.of("http://h:1").withBasicAuth("no-colon"))
                .hasMessageContaining("user:password");
        assertThatThrownBy(() -> new RestSchemaRegistryClient.Config(
                        URI.create("http://u:p@h:1"), Duration.ofSeconds(1), Duration.ofSeconds(1), Optional.of("a:b")))
                .hasMessageContaining("not both");
        assertThat(RestSchemaRegistryClient.Config.of("https://u:p@h:8081/prefix")
                        .url())
                .isEqualTo(URI.create("https://h:8081/prefix"));
    }

    private interface Handler {
        void handle(com.sun.net.httpserver.HttpExchange exchange) throws IOException;
    }

    private void stub(String context, Handler handler) throws IOException {
        stub = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        stub.createContext(context, exchange -> {
            requests.add(
                    exchange.getRequestMethod() + " " + exchange.getRequestURI().getRawPath());
            exchange.getRequestHeaders()
                    .getOrDefault("Authorization", List.of())
                    .forEach(authorizations::add);
            handler.handle(exchange);
        });
        stub.start();
    }

    private String stubUrl() {
        return "http://127.0.0.1:" + stub.getAddress().getPort();
    }

    private static void answer(com.sun.net.httpserver.HttpExchange exchange, int status, String body)
            throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static String quote(String text) {
        return new com.fasterxml.jackson.databind.node.TextNode(text).toString();
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
