package io.streamrlhf.producers.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.streamrlhf.avro.Feedback;
import io.streamrlhf.avro.FeedbackKind;
import io.streamrlhf.avro.PairwisePreference;
import io.streamrlhf.avro.ResponseGenerated;
import io.streamrlhf.avro.ResponseSource;
import io.streamrlhf.avro.UserErased;
import io.streamrlhf.producers.MockKafka;
import io.streamrlhf.producers.MockKafka.KeyValue;
import io.streamrlhf.producers.TickingClock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.BufferExhaustedException;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

class ChatFeedbackClientTest {

    private final MockKafka kafka = new MockKafka(true);
    private final ChatFeedbackClient client = kafka.client();

    @Test
    void recordsAResponseKeyedByAGeneratedResponseIdAndReturnsThatId() {
        // given
        ChatResponse response = ChatResponse.of("p-1", "What is 2+2?", "4")
                .withUser("u-1", "c-1")
                .withTask("arithmetic");

        // when
        String id = client.recordResponse(response).join();

        // then
        List<KeyValue<ResponseGenerated>> sent = kafka.sent(kafka.topics.responses());
        assertThat(sent).hasSize(1);
        assertThat(sent.get(0).key()).isEqualTo(id);
        ResponseGenerated event = sent.get(0).value();
        assertThat(event.getResponseId()).isEqualTo(id);
        assertThat(event.getPromptId()).isEqualTo("p-1");
        assertThat(event.getCompletion()).isEqualTo("4");
        assertThat(event.getUserId()).isEqualTo("u-1");
        assertThat(event.getConversationId()).isEqualTo("c-1");
        assertThat(event.getTask()).isEqualTo("arithmetic");
        assertThat(event.getSource()).isEqualTo(ResponseSource.PRODUCTION);
        assertThat(event.getEventTime()).isEqualTo(MockKafka.CLOCK.instant());
    }

    @Test
    void eraseUserWritesAnErasureRequestKeyedByTheUserToTheErasuresTopic() {
        // when
        String requestId = client.eraseUser("u-9", "art. 17 request").join();

        // then
        List<KeyValue<UserErased>> sent = kafka.sent(kafka.topics.erasures());
        assertThat(sent).hasSize(1);
        assertThat(sent.get(0).key()).isEqualTo("u-9");
        assertThat(sent.get(0).value().getUserId()).isEqualTo("u-9");
        assertThat(sent.get(0).value().getRequestId()).isEqualTo(requestId).isNotBlank();
        assertThat(sent.get(0).value().getReason()).isEqualTo("art. 17 request");
        assertThat(sent.get(0).value().getRequestedAt()).isEqualTo(MockKafka.CLOCK.instant());
        assertThat(kafka.topics.erasures().name()).isEqualTo("rlhf.erasures");
    }

    /** HMAC-SHA256("0123456789abcdef-secret", "user-42"), computed with openssl, not with the code under test. */
    private static final String USER_42_PSEUDONYM =
            "h1-d9e94d25ee9974345e20283d5a75176dddac64fe1dda4bc30c2f89ae065cccfe";

    @Test
    void withASecretEveryEventAndTheErasureCarryTheSameKeyedHashInsteadOfTheRawUserId() {
        // given
        ChatFeedbackClient hashing = new ChatFeedbackClient(
                kafka.publisher,
                kafka.topics,
                MockKafka.CLOCK,
                io.streamrlhf.producers.config.UserPseudonyms.withSecret("0123456789abcdef-secret"));

        // when
        hashing.recordResponse(ChatResponse.of("p", "Hi", "Hello")
                        .withResponseId("r-1")
                        .withUser("user-42", "c"))
                .join();
        hashing.thumbsUp("r-1", "user-42").join();
        hashing.prefer("p", "r-1", "r-2", "user-42").join();
        hashing.eraseUser("user-42", null).join();

        // then
        assertThat(kafka.sent(kafka.topics.responses()).get(0).value().getUserId())
                .isEqualTo(USER_42_PSEUDONYM);
        assertThat(kafka.sent(kafka.topics.feedback()).get(0).value().getUserId())
                .isEqualTo(USER_42_PSEUDONYM);
        assertThat(kafka.sent(kafka.topics.preferences()).get(0).value().getUserId())
                .isEqualTo(USER_42_PSEUDONYM);
        assertThat(kafka.sent(kafka.topics.erasures()).get(0).key()).isEqualTo(USER_42_PSEUDONYM);
        assertThat(new String(kafka.producer.history().get(1).value(), java.nio.charset.StandardCharsets.ISO_8859_1))
                .doesNotContain("user-42");
    }

    @Test
    void aShortSecretIsRefusedAndTheSecretNeverShowsInTheConfig() {
        assertThatThrownBy(() -> io.streamrlhf.producers.config.UserPseudonyms.withSecret("short"))
                .hasMessageContaining("client.user.id.secret");
        assertThat(io.streamrlhf.producers.config.ClientConfig.fromProperties(java.util.Map.of(
                                "client.user.id.secret",
                                "0123456789abcdef-secret",
                                "bootstrap.servers",
                                "k:9092",
                                "schema.registry.url",
                                "http://r:8081"))
                        .toString())
                .doesNotContain("0123456789abcdef-secret")
                .contains("HMAC-SHA256");
    }

    @Test
    void eraseUserRefusesABlankUserId() {
        assertThatThrownBy(() -> client.eraseUser(" ", null)).isInstanceOf(IllegalArgumentException.class);
        assertThat(kafka.producer.history()).isEmpty();
    }

    @Test
    void keepsAGivenResponseIdSoRedeliveriesShareIt() {
        String id = client.recordResponse(ChatResponse.of("p", "Hi", "Hello!").withResponseId("r-7"))
                .join();

        assertThat(id).isEqualTo("r-7");
        assertThat(kafka.sent(kafka.topics.responses()).get(0).key()).isEqualTo("r-7");
    }

    @Test
    void writesThumbsUpDownAndRetractKeyedByResponseId() {
        // when
        String up = client.thumbsUp("r-1", "u-1").join();
        client.thumbsDown("r-2", "u-1").join();
        client.retract("r-1", "u-1").join();

        // then
        List<KeyValue<Feedback>> sent = kafka.sent(kafka.topics.feedback());
        assertThat(sent).extracting(KeyValue::key).containsExactly("r-1", "r-2", "r-1");
        assertThat(sent)
                .extracting(kv -> kv.value().getKind())
                .containsExactly(FeedbackKind.THUMBS_UP, FeedbackKind.THUMBS_DOWN, FeedbackKind.RETRACT);
        assertThat(sent.get(0).value().getFeedbackId()).isEqualTo(up);
        assertThat(sent).extracting(kv -> kv.value().getUserId()).containsOnly("u-1");
    }

    @Test
    void writesAPreferenceKeyedByPromptId() {
        String id = client.prefer("p-9", "r-a", "r-b", "u-2").join();

        List<KeyValue<PairwisePreference>> sent = kafka.sent(kafka.topics.preferences());
        assertThat(sent).hasSize(1);
        assertThat(sent.get(0).key()).isEqualTo("p-9");
        assertThat(sent.get(0).value().getChosenResponseId()).isEqualTo("r-a");
        assertThat(sent.get(0).value().getRejectedResponseId()).isEqualTo("r-b");
        assertThat(sent.get(0).value().getPreferenceId()).isEqualTo(id);
    }

    @Test
    void refusesAPreferenceBetweenAResponseAndItself() {
        assertThatThrownBy(() -> client.prefer("p", "r", "r", "u")).isInstanceOf(IllegalArgumentException.class);
        assertThat(kafka.producer.history()).isEmpty();
    }

    @Test
    void failsTheFutureAsOverloadedWhenTheProducerBufferIsFull() {
        // given
        MockKafka manual = new MockKafka(false);
        CompletableFuture<String> write = manual.client().thumbsUp("r", "u");

        // when
        manual.producer.errorNext(new BufferExhaustedException("buffer full"));

        // then
        assertThatThrownBy(() -> PublishException.await(write, 1000))
                .isInstanceOfSatisfying(
                        PublishException.class,
                        e -> assertThat(e.reason()).isEqualTo(PublishException.Reason.OVERLOADED));
    }

    @Test
    void aRetryAfterAFailedWriteSendsTheVeryEventBuiltFirstNotANewOne() {
        // given: a clock that moves, so a rebuilt event would differ in its event time
        MockKafka manual = new MockKafka(false);
        ChatFeedbackClient moving = new ChatFeedbackClient(
                manual.publisher, manual.topics, new TickingClock(Instant.parse("2026-12-07T10:00:00Z")));
        CompletableFuture<String> first = moving.thumbsUp("r-1", "u-1");
        manual.producer.errorNext(new TimeoutException("Expiring 1 record(s)"));
        PublishException failure =
                catchThrowableOfType(() -> PublishException.await(first, 1000), PublishException.class);

        // when
        CompletableFuture<String> retried = moving.retry(failure);
        manual.producer.completeNext();

        // then: two records, byte for byte the same value, and the retry completes with the first id
        List<ProducerRecord<byte[], byte[]>> history = manual.producer.history();
        assertThat(history).hasSize(2);
        assertThat(history.get(1).value()).isEqualTo(history.get(0).value());
        assertThat(history.get(1).key()).isEqualTo(history.get(0).key());
        Feedback sent = manual.sent(manual.topics.feedback()).get(1).value();
        assertThat(retried.join()).isEqualTo(sent.getFeedbackId());
        assertThat(failure.event()).hasValueSatisfying(e -> assertThat(e.id()).isEqualTo(sent.getFeedbackId()));
        // and a new call builds a new event (new id, later time): what a retry must not do
        moving.thumbsUp("r-1", "u-1");
        Feedback rebuilt = manual.sent(manual.topics.feedback()).get(2).value();
        assertThat(rebuilt.getFeedbackId()).isNotEqualTo(sent.getFeedbackId());
        assertThat(rebuilt.getEventTime()).isAfter(sent.getEventTime());
    }

    @Test
    void aFailureFromOutsideTheClientCannotBeRetried() {
        PublishException foreign = new PublishException(PublishException.Reason.UNAVAILABLE, "down", null);

        assertThatThrownBy(() -> client.retry(foreign))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no event");
    }

    @Test
    void failsTheFutureAsUnavailableWhenDeliveryTimesOut() {
        MockKafka manual = new MockKafka(false);
        CompletableFuture<String> write = manual.client().thumbsDown("r", "u");

        manual.producer.errorNext(new TimeoutException("Expiring 1 record(s)"));

        assertThatThrownBy(() -> PublishException.await(write, 1000))
                .isInstanceOfSatisfying(PublishException.class, e -> {
                    assertThat(e.reason()).isEqualTo(PublishException.Reason.UNAVAILABLE);
                    assertThat(e.reason().retriable()).isTrue();
                });
    }

    @Test
    void failsTheFutureAsRejectedWhenTheRecordIsTooLarge() {
        MockKafka manual = new MockKafka(false);
        CompletableFuture<String> write = manual.client().thumbsDown("r", "u");

        manual.producer.errorNext(new RecordTooLargeException("too large"));

        assertThatThrownBy(() -> PublishException.await(write, 1000))
                .isInstanceOfSatisfying(
                        PublishException.class,
                        e -> assertThat(e.reason().retriable()).isFalse());
    }

    @Test
    void failsTheFutureAsClosedAfterClose() {
        client.close();

        assertThatThrownBy(() -> client.thumbsUp("r", "u").join())
                .hasCauseInstanceOf(PublishException.class)
                .cause()
                .satisfies(e -> assertThat(((PublishException) e).reason()).isEqualTo(PublishException.Reason.CLOSED));
    }
}
