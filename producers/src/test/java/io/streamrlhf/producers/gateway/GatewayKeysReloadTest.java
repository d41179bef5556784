package io.streamrlhf.producers.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.streamrlhf.producers.MockKafka;
import io.streamrlhf.producers.client.ChatFeedbackClient;
import io.streamrlhf.producers.config.GatewayConfig;
import io.streamrlhf.producers.config.KafkaConnection;
import io.streamrlhf.producers.config.UserPseudonyms;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The gateway serves the keys file as it is now: a key added to the file is accepted and a key removed from it
 * refused within a few seconds, without a restart; a file that does not parse keeps the keys served before and is
 * logged once, in one line that carries no key.
 */
class GatewayKeysReloadTest {

    @TempDir
    Path dir;

    private final ApiKeys.Generated first =
            ApiKeys.generate("first", "acme", Set.of(Scope.FEEDBACK), new SecureRandom());
    private final ApiKeys.Generated second =
            ApiKeys.generate("second", "acme", Set.of(Scope.FEEDBACK), new SecureRandom());
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final Logger gatewayLog = (Logger) LoggerFactory.getLogger(IngestionGateway.class);
    private IngestionGateway gateway;
    private HttpCalls calls;
    private Path keys;

    @BeforeEach
    void start() throws IOException {
        logs.start();
        gatewayLog.addAppender(logs);
        keys = Files.write(dir.resolve("gateway-keys.txt"), List.of(first.line()));
        GatewayConfig config = GatewayConfig.defaultsWithKeysFile(keys.toString(), KafkaConnection.of("unused:9092"))
                .withListener("127.0.0.1", 0)
                .withResponseIdCheck(GatewayConfig.ResponseIdCheck.OFF);
        MockKafka kafka = new MockKafka(true);
        ChatFeedbackClient client = new ChatFeedbackClient(
                kafka.publisher,
                kafka.topics,
                MockKafka.CLOCK,
                UserPseudonyms.withSecret("pseudonym-secret-0123456789"));
        gateway = new IngestionGateway(config, client, new PublishedVersions()).start();
        calls = new HttpCalls(gateway.baseUri());
    }

    @AfterEach
    void stop() {
        gatewayLog.detachAppender(logs);
        gateway.close();
    }

    private int vote(ApiKeys.Generated key) {
        return calls.send(calls.request("/v1/feedback")
                        .header(ApiKeys.HEADER, key.key())
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"responseId\":\"r1\",\"userId\":\"bob\",\"kind\":\"THUMBS_UP\"}"))
                        .build())
                .statusCode();
    }

    @Test
    void aKeyAddedToTheFileIsAcceptedAndAKeyRemovedIsRefusedWithoutARestart() throws IOException {
        assertThat(vote(first)).isEqualTo(202);
        assertThat(vote(second)).isEqualTo(401);

        // when the second key is added
        Files.write(keys, List.of(first.line(), second.line()));
        // then it is accepted soon, the first still is
        await().atMost(Duration.ofSeconds(20)).until(() -> vote(second) == 202);
        assertThat(vote(first)).isEqualTo(202);

        // when the first key is removed
        Files.write(keys, List.of(second.line()));
        // then it is refused soon
        await().atMost(Duration.ofSeconds(20)).until(() -> vote(first) == 401);
        assertThat(vote(second)).isEqualTo(202);
    }

    @Test
    void aBadFileKeepsTheKeysServedBeforeAndIsLoggedOnceWithoutTheKey() throws IOException {
        // when a raw key is pasted where the tenant belongs, on the file's second line
        String pasted = ApiKeys.generate("x", "acme", Set.of(Scope.FEEDBACK), new SecureRandom())
                .key();
        Files.write(
                keys,
                List.of(first.line(), "other tenant=" + pasted + " scopes=feedback hash=sha256:" + "0".repeat(64)));

        // then one warning names the file and the line, and not the key
        await().atMost(Duration.ofSeconds(20))
                .until(() ->
                        logs.list.stream().anyMatch(e -> e.getFormattedMessage().contains("not reloaded")));
        List<String> warnings = logs.list.stream()
                .map(ILoggingEvent::getFormattedMessage)
                .filter(m -> m.contains("gateway.keys.file"))
                .toList();
        assertThat(warnings).hasSize(1);
        assertThat(warnings.get(0))
                .contains(keys.toString())
                .contains("line 2")
                .contains("keeping the keys loaded before (1 keys)")
                .doesNotContain(pasted);
        // and the key served before still works; the file is not logged again while it stays the same
        assertThat(vote(first)).isEqualTo(202);
        await().pollDelay(IngestionGateway.KEYS_RELOAD_PERIOD.multipliedBy(2))
                .atMost(Duration.ofSeconds(20))
                .until(() -> true);
        assertThat(logs.list.stream().filter(e -> e.getFormattedMessage().contains("not reloaded")))
                .hasSize(1);
    }
}
