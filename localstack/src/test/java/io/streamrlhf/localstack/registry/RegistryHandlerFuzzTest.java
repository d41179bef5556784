package io.streamrlhf.localstack.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.Headers;
import io.streamrlhf.schemas.registry.InMemorySchemaRegistry;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.apache.avro.SchemaBuilder;

/**
 * The registry's HTTP handler over requests built from fuzz data (method, path and query, media type,
 * credentials, body), in process: every request gets exactly one answer, never a 500, and every error is
 * Confluent's body {@code {"error_code":int,"message":text}}. Targets that the JDK's HTTP server would refuse
 * before the handler (a request target that is not a URI) are skipped. Regression inputs:
 * {@code src/test/resources/io/streamrlhf/localstack/registry/RegistryHandlerFuzzTestInputs}.
 */
class RegistryHandlerFuzzTest {

    private static final List<String> METHODS = List.of("GET", "POST", "PUT", "DELETE", "HEAD", "PATCH");
    private static final List<String> MEDIA_TYPES = List.of(
            "application/vnd.schemaregistry.v1+json",
            "application/json; charset=utf-8",
            "text/plain",
            "application/octet-stream");
    private static final List<String> PREFIXES = List.of(
            "/subjects/s-value/versions",
            "/subjects/s-value/versions/",
            "/subjects/s-value",
            "/subjects",
            "/schemas/ids/",
            "/compatibility/subjects/s-value/versions/",
            "/config",
            "/config/s-value",
            "/");
    private static final Map<String, RegistryUser> USERS = Map.of(
            "r", new RegistryUser("r", RegistryRole.READER, "rpw"),
            "w", new RegistryUser("w", RegistryRole.WRITER, "wpw"),
            "a", new RegistryUser("a", RegistryRole.ADMIN, "apw"));
    private static final ObjectMapper JSON = new ObjectMapper();

    @FuzzTest(maxDuration = "3m")
    void everyRequestGetsOneAnswerAndNoneIsA500(FuzzedDataProvider data) throws Exception {
        boolean authenticated = data.consumeBoolean();
        String method = data.pickValue(METHODS);
        String target = data.pickValue(PREFIXES) + data.consumeString(80);
        URI uri;
        try {
            uri = new URI(target);
        } catch (URISyntaxException e) {
            return;
        }
        Headers headers = new Headers();
        if (data.consumeBoolean()) {
            headers.add("Content-Type", data.pickValue(MEDIA_TYPES));
        }
        if (data.consumeBoolean()) {
            String userInfo = data.pickValue(List.of("r:rpw", "w:wpw", "a:apw", "a:wrong", "nobody:x"));
            headers.add(
                    "Authorization",
                    "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8)));
        } else if (data.consumeBoolean()) {
            // An HTTP server never hands a handler a header value with a line break in it.
            headers.add("Authorization", data.consumeString(40).replaceAll("[\\r\\n]", ""));
        }
        byte[] body = data.consumeRemainingAsBytes();

        InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        registry.register(
                "s-value",
                SchemaBuilder.record("R").fields().requiredString("a").endRecord());
        RegistryHttpHandler handler = new RegistryHttpHandler(registry, authenticated ? USERS : Map.of(), 4096);
        FakeExchange exchange = new FakeExchange(method, uri, headers, body);

        handler.handle(exchange);

        assertThat(exchange.status()).as("%s %s", method, target).isBetween(200, 499);
        JsonNode answer = JSON.readTree(exchange.body());
        if (exchange.status() >= 400) {
            assertThat(answer.get("error_code").isInt()).isTrue();
            assertThat(answer.get("message").isTextual()).isTrue();
        }
    }
}
