package io.streamrlhf.producers.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrlhf.producers.MockKafka;
import io.streamrlhf.producers.client.ChatFeedbackClient;
import io.streamrlhf.producers.config.GatewayConfig;
import io.streamrlhf.producers.config.KafkaConnection;
import io.streamrlhf.producers.config.UserPseudonyms;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad percent-encoding in a request target, sent as raw bytes (an HTTP client would refuse to send it): escapes
 * that are not UTF-8 reach the gateway, which answers its JSON 400; a {@code %} not followed by two hex digits is
 * not a URI at all, and the JDK's {@code HttpServer} answers it itself, before any handler, with its own HTML 400.
 */
class GatewayPercentEncodingTest {

    @TempDir
    Path dir;

    private final ApiKeys.Generated key = ApiKeys.generate("eraser", "acme", Set.of(Scope.ERASE), new SecureRandom());
    private MockKafka kafka;
    private IngestionGateway gateway;

    @BeforeEach
    void start() throws IOException {
        Path keys = Files.write(dir.resolve("gateway-keys.txt"), List.of(key.line()));
        GatewayConfig config = GatewayConfig.defaultsWithKeysFile(keys.toString(), KafkaConnection.of("unused:9092"))
                .withListener("127.0.0.1", 0)
                .withResponseIdCheck(GatewayConfig.ResponseIdCheck.OFF);
        kafka = new MockKafka(true);
        ChatFeedbackClient client = new ChatFeedbackClient(
                kafka.publisher,
                kafka.topics,
                MockKafka.CLOCK,
                UserPseudonyms.withSecret("pseudonym-secret-0123456789"));
        gateway = new IngestionGateway(config, client, new PublishedVersions()).start();
    }

    @AfterEach
    void stop() {
        gateway.close();
    }

    @Test
    void escapesThatAreNotUtf8InTheUserIdGetTheGatewaysJson400AndEraseNobody() throws IOException {
        String answer = raw("DELETE /v1/users/%FF%FE HTTP/1.1");

        assertThat(answer).startsWith("HTTP/1.1 400");
        assertThat(answer.toLowerCase(java.util.Locale.ROOT)).contains("content-type: application/json");
        assertThat(answer).contains("\"error\":\"bad_request\"").contains("percent-encoding");
        assertThat(kafka.sent(kafka.topics.erasures())).isEmpty();
    }

    @Test
    void aPercentWithoutTwoHexDigitsIsRefusedByTheJdkServerBeforeAnyHandler() throws IOException {
        String answer = raw("DELETE /v1/users/%zz HTTP/1.1");

        // The JDK's ServerImpl parses the request target with java.net.URI and, on URISyntaxException, rejects
        // the request itself ("<h1>400 Bad Request</h1>URISyntaxException thrown"): no handler of ours runs.
        assertThat(answer).startsWith("HTTP/1.1 400");
        assertThat(answer).contains("URISyntaxException").doesNotContain("\"error\"");
        assertThat(gateway.answeredByStatus()).doesNotContainKey(400);
    }

    private String raw(String requestLine) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", gateway.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write((requestLine + "\r\nHost: 127.0.0.1\r\n" + ApiKeys.HEADER + ": " + key.key()
                            + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
