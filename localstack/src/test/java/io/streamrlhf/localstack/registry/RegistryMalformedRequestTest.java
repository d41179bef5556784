package io.streamrlhf.localstack.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Requests the client got wrong answer 4xx with Confluent's error body, never 500. Sent over a plain socket,
 * byte for byte, so that no client library corrects them first.
 */
class RegistryMalformedRequestTest {

    private static final String JSON = "application/vnd.schemaregistry.v1+json";

    private static EmbeddedSchemaRegistry server;
    private final ObjectMapper json = new ObjectMapper();

    @BeforeAll
    static void start() {
        server = EmbeddedSchemaRegistry.inMemory(EmbeddedSchemaRegistry.Config.loopback())
                .start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void badPercentEncodingInThePathOrQueryIs400() throws Exception {
        for (String target : new String[] {"/subjects/%zz/versions", "/subjects/a%2", "/subjects?deleted=%G1"}) {
            assertThat(send("GET " + target, null, null).status).as(target).isEqualTo(400);
        }
    }

    @Test
    void bodiesThatAreNotJsonObjectsAre400WithConfluentsBody() throws Exception {
        for (String body : new String[] {"{not json", "[1,2]", "\"schema\"", "", "{\"schema\":", "\u0000\u0001"}) {
            Response response = send("POST /subjects/s/versions", JSON, body);
            assertConfluentError(response, 400);
        }
    }

    @Test
    void aSchemaFieldOfTheWrongTypeOrAnInvalidSchemaIs422() throws Exception {
        for (String body : new String[] {
            "{\"schema\":5}", "{\"schema\":\"{\\\"type\\\":\\\"nope\\\"}\"}", "{\"schema\":\"\"}", "{}"
        }) {
            Response response = send("POST /subjects/s/versions", JSON, body);
            assertConfluentError(response, 422);
            assertThat(response.body.get("error_code").asInt()).isEqualTo(42201);
        }
    }

    @Test
    void aBodyOfAnotherMediaTypeIs415() throws Exception {
        Response response = send(
                "POST /subjects/s/versions", "application/x-www-form-urlencoded", "{\"schema\":\"\\\"string\\\"\"}");
        assertConfluentError(response, 415);
    }

    @Test
    void aBodyAnnouncedLargerThanTheLimitIs413BeforeItIsRead() throws Exception {
        Response response = sendHeadersOnly("POST /subjects/s/versions", JSON, 64L * 1024 * 1024);
        assertConfluentError(response, 413);
    }

    @Test
    void unknownPathsWrongMethodsAndOutOfRangeNumbersAre4xx() throws Exception {
        assertConfluentError(send("GET /nothing/here", null, null), 404);
        assertConfluentError(send("PATCH /subjects", null, null), 405);
        Response version = send("GET /subjects/s/versions/99999999999", null, null);
        assertConfluentError(version, 422);
        assertThat(version.body.get("error_code").asInt()).isEqualTo(42202);
        assertThat(send("GET /schemas/ids/-7", null, null)
                        .body
                        .get("error_code")
                        .asInt())
                .isEqualTo(40403);
        assertThat(send("GET /schemas/ids/99999999999999", null, null)
                        .body
                        .get("error_code")
                        .asInt())
                .isEqualTo(40403);
    }

    private void assertConfluentError(Response response, int status) {
        assertThat(response.status).as(response.raw).isEqualTo(status);
        assertThat(response.body).as(response.raw).isNotNull();
        assertThat(response.body.get("error_code").isInt()).as(response.raw).isTrue();
        assertThat(response.body.get("message").asText()).as(response.raw).isNotBlank();
    }

    private record Response(int status, JsonNode body, String raw) {}

    private Response send(String requestLine, String contentType, String body) throws Exception {
        byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder(requestLine).append(" HTTP/1.1\r\nHost: test\r\n");
        if (contentType != null) {
            head.append("Content-Type: ").append(contentType).append("\r\n");
        }
        head.append("Content-Length: ").append(bytes.length).append("\r\n\r\n");
        return exchange(head.toString().getBytes(StandardCharsets.US_ASCII), bytes);
    }

    private Response sendHeadersOnly(String requestLine, String contentType, long contentLength) throws Exception {
        String head = requestLine + " HTTP/1.1\r\nHost: test\r\nContent-Type: " + contentType + "\r\nContent-Length: "
                + contentLength + "\r\n\r\n";
        return exchange(head.getBytes(StandardCharsets.US_ASCII), new byte[0]);
    }

    /** Writes the request and reads one response: status line, headers, then Content-Length bytes. */
    private Response exchange(byte[] head, byte[] body) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(head);
            out.write(body);
            out.flush();
            InputStream in = socket.getInputStream();
            String headers = readHeaders(in);
            int status = Integer.parseInt(headers.substring(9, 12));
            int length = 0;
            for (String line : headers.split("\r\n")) {
                if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                    length = Integer.parseInt(line.substring(15).trim());
                }
            }
            String text = new String(in.readNBytes(length), StandardCharsets.UTF_8);
            JsonNode parsed;
            try {
                parsed = json.readTree(text);
            } catch (Exception e) {
                parsed = null;
            }
            return new Response(status, parsed, headers + text);
        }
    }

    private static String readHeaders(InputStream in) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            bytes.write(b);
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return bytes.toString(StandardCharsets.US_ASCII);
    }
}
