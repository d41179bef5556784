package io.streamrlhf.producers.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamrlhf.avro.Feedback;
import io.streamrlhf.avro.FeedbackKind;
import io.streamrlhf.avro.PairwisePreference;
import io.streamrlhf.avro.ResponseGenerated;
import io.streamrlhf.avro.ResponseSource;
import io.streamrlhf.producers.MockKafka;
import io.streamrlhf.producers.MockKafka.KeyValue;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.BufferExhaustedException;
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
