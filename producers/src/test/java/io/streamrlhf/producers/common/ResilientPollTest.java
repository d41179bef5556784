package io.streamrlhf.producers.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamrlhf.schemas.serde.RecordDecodeException;
import io.streamrlhf.schemas.util.Backoff;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ResilientPollTest {

    private static final TopicPartition TP = new TopicPartition("rlhf.responses", 1);

    private final List<Duration> pauses = new ArrayList<>();
    private MockConsumer<String, String> consumer;
    private ResilientPoll poll;

    @BeforeEach
    void setUp() {
        consumer = new MockConsumer<>("earliest");
        consumer.assign(List.of(TP));
        consumer.updateBeginningOffsets(Map.of(TP, 0L));
        consumer.seek(TP, 3);
        poll = new ResilientPoll(
                consumer,
                new Backoff(Duration.ofMillis(100), Duration.ofMillis(300)),
                pauses::add,
                "Test loop",
                "response");
    }

    @Test
    void readsARecordThatCannotBeDecodedYetAgainFromItsOffsetAfterGrowingDelays() throws Exception {
        // given a record at offset 7 whose schema the registry cannot be asked for
        Runnable step = () -> {
            throw undecodable(7, RecordDecodeException.Reason.REGISTRY_UNAVAILABLE);
        };

        // when the step fails on it three times
        poll.attempt(step);
        poll.attempt(step);
        poll.attempt(step);

        // then the consumer is put back on the record each time, after 100, 200 and then the 300 ms cap
        assertThat(consumer.position(TP)).isEqualTo(7);
        assertThat(pauses).containsExactly(Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(300));
        assertThat(poll.retries()).isEqualTo(3);
        assertThat(poll.skippedRecords()).isZero();
    }

    @Test
    void skipsARecordBadInItselfAtOnceAndCountsIt() throws Exception {
        poll.attempt(() -> {
            throw undecodable(7, RecordDecodeException.Reason.BAD_MAGIC_BYTE);
        });

        assertThat(consumer.position(TP)).isEqualTo(8);
        assertThat(pauses).isEmpty();
        assertThat(poll.skippedRecords()).isEqualTo(1);
        assertThat(poll.retries()).isZero();
    }

    @Test
    void skipsARecordWhoseDeserializerFailedWithoutADecodeReason() throws Exception {
        poll.attempt(() -> {
            throw new RecordDeserializationException(TP, 4, "not Avro", new IllegalArgumentException("bad"));
        });

        assertThat(consumer.position(TP)).isEqualTo(5);
        assertThat(poll.skippedRecords()).isEqualTo(1);
    }

    @Test
    void retriesAnyOtherFailureAfterTheBackoffAndASuccessStartsTheBackoffAgain() throws Exception {
        Runnable failing = () -> {
            throw new IllegalStateException("broker unreachable");
        };
        List<String> ran = new ArrayList<>();

        poll.attempt(failing);
        poll.attempt(failing);
        poll.attempt(() -> ran.add("ok"));
        poll.attempt(failing);

        assertThat(ran).containsExactly("ok");
        assertThat(pauses).containsExactly(Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(100));
        assertThat(poll.retries()).isEqualTo(3);
        assertThat(consumer.position(TP)).isEqualTo(3);
    }

    @Test
    void letsAWakeupThroughForTheCallerToDecideWhetherItIsClosing() {
        assertThatThrownBy(() -> poll.attempt(() -> {
                    throw new WakeupException();
                }))
                .isInstanceOf(WakeupException.class);

        assertThat(pauses).isEmpty();
        assertThat(poll.retries()).isZero();
    }

    @Test
    void stopsWaitingWhenInterrupted() {
        ResilientPoll interrupted = new ResilientPoll(
                consumer,
                new Backoff(Duration.ofMillis(100), Duration.ofMillis(300)),
                delay -> {
                    throw new InterruptedException("closing");
                },
                "Test loop",
                "response");

        assertThatThrownBy(() -> interrupted.attempt(() -> {
                    throw new IllegalStateException("broker unreachable");
                }))
                .isInstanceOf(InterruptedException.class);
        assertThat(interrupted.retries()).isEqualTo(1);
    }

    private static RecordDeserializationException undecodable(long offset, RecordDecodeException.Reason reason) {
        RecordDecodeException cause =
                new RecordDecodeException(reason, TP.topic(), 5, "cannot decode", null).at(TP.partition(), offset);
        return new RecordDeserializationException(TP, offset, cause.getMessage(), cause);
    }
}
