package io.streamrlhf.streams.kto;

import static io.streamrlhf.streams.support.Events.response;
import static io.streamrlhf.streams.support.Events.up;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.streamrlhf.avro.Feedback;
import io.streamrlhf.avro.ResponseGenerated;
import io.streamrlhf.schemas.registry.InMemorySchemaRegistry;
import io.streamrlhf.schemas.topic.TopicNames;
import io.streamrlhf.schemas.topic.Topics;
import io.streamrlhf.streams.avro.KtoDecision;
import io.streamrlhf.streams.avro.KtoResponseState;
import io.streamrlhf.streams.common.Emission;
import io.streamrlhf.streams.common.Sourced;
import io.streamrlhf.streams.common.StreamSerdes;
import io.streamrlhf.streams.config.KtoConfig;
import io.streamrlhf.streams.config.StateStoreType;
import io.streamrlhf.streams.deadletter.DeadLetterReason;
import io.streamrlhf.streams.deadletter.DeadLetters;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

/**
 * The KTO schedule has no changelog: a processor that starts over restored state (a restart, a rebalance, a task
 * revived after an aborted transaction) must find every deadline in the state itself.
 */
class KtoJoinRestartTest {

    private static final long T0 = 1_700_000_000_000L;
    private final KtoConfig config = KtoConfig.defaults().withSettleDelay(Duration.ofSeconds(30));
    private final StreamSerdes serdes = new StreamSerdes(
            new Topics(TopicNames.defaults(), new InMemorySchemaRegistry()),
            new InMemorySchemaRegistry(),
            StateStoreType.IN_MEMORY);
    /** The state as a changelog restores it: it outlives the processor. */
    private final KeyValueStore<String, KtoResponseState> state = Stores.keyValueStoreBuilder(
                    Stores.inMemoryKeyValueStore(KtoJoinProcessor.STATE_STORE),
                    Serdes.String(),
                    serdes.ktoResponseState())
            .withLoggingDisabled()
            .withCachingDisabled()
            .build();

    @Test
    void findsSettleDeadlinesAndEarlyFeedbackInTheRestoredState() {
        MockProcessorContext<String, Emission<KtoDecision>> before = new MockProcessorContext<>();
        state.init(before.getStateStoreContext(), state);
        KtoJoinProcessor first = start(before);
        first.process(responseRecord("r1", 0, response("r1", "p1", "a completion", 3, T0), T0));
        first.process(feedbackRecord(1, up("f1", "r1", "u1", T0 + 1), T0 + 1)); // settles at T0 + 30.001 s
        first.process(feedbackRecord(2, up("f2", "ghost", "u1", T0 + 2), T0 + 2)); // no response: dead after 10 min
        assertThat(data(before)).isEmpty();
        first.close();

        MockProcessorContext<String, Emission<KtoDecision>> after = new MockProcessorContext<>();
        start(after); // a fresh schedule store, the same state
        punctuate(after, T0 + 31_000);
        assertThat(data(after))
                .extracting(KtoDecision::getResponseId, KtoDecision::getUserId)
                .containsExactly(tuple("r1", "u1"));
        assertThat(dead(after)).isEmpty();

        punctuate(after, T0 + 2 + Duration.ofMinutes(10).toMillis());
        assertThat(dead(after))
                .singleElement()
                .satisfies(d ->
                        assertThat(DeadLetters.reasonOf(d.letter())).isEqualTo(DeadLetterReason.RESPONSE_NOT_FOUND));

        assertThat(state.get("r1")).isNotNull();
        punctuate(after, T0 + Duration.ofDays(7).toMillis()); // the response's retention
        assertThat(state.get("r1")).isNull();
    }

    @Test
    void forgetsTheDeadlinesOfAnEarlierRunThatTheStateNoLongerHolds() {
        MockProcessorContext<String, Emission<KtoDecision>> context = new MockProcessorContext<>();
        state.init(context.getStateStoreContext(), state);
        KeyValueStore<String, String> schedule = scheduleStore();
        schedule.init(context.getStateStoreContext(), schedule);
        schedule.put("stale entry of an aborted transaction", "S\u001fr9\u001fu9");
        context.addStateStore(state);
        context.addStateStore(schedule);
        addErasedUsers(context);
        new KtoJoinProcessor(config).init(context);
        assertThat(schedule.approximateNumEntries()).isZero();
    }

    private KtoJoinProcessor start(MockProcessorContext<String, Emission<KtoDecision>> context) {
        KeyValueStore<String, String> schedule = scheduleStore();
        schedule.init(context.getStateStoreContext(), schedule);
        context.addStateStore(state);
        context.addStateStore(schedule);
        addErasedUsers(context);
        KtoJoinProcessor processor = new KtoJoinProcessor(config);
        processor.init(context);
        return processor;
    }

    /** The global store of erased users, empty here, which the join consults for every record. */
    private static void addErasedUsers(MockProcessorContext<String, Emission<KtoDecision>> context) {
        KeyValueStore<String, byte[]> erased = Stores.keyValueStoreBuilder(
                        Stores.inMemoryKeyValueStore(io.streamrlhf.streams.erasure.ErasedUsers.STORE),
                        Serdes.String(),
                        Serdes.ByteArray())
                .withLoggingDisabled()
                .build();
        erased.init(context.getStateStoreContext(), erased);
        context.addStateStore(erased);
    }

    private static KeyValueStore<String, String> scheduleStore() {
        return Stores.keyValueStoreBuilder(
                        Stores.inMemoryKeyValueStore(KtoJoinProcessor.SCHEDULE_STORE), Serdes.String(), Serdes.String())
                .withLoggingDisabled()
                .withCachingDisabled()
                .build();
    }

    private static void punctuate(MockProcessorContext<String, Emission<KtoDecision>> context, long streamTime) {
        context.setCurrentSystemTimeMs(streamTime);
        context.scheduledPunctuators().forEach(p -> p.getPunctuator().punctuate(streamTime));
    }

    private static Record<String, Sourced<?>> responseRecord(String id, long offset, ResponseGenerated r, long time) {
        return new Record<>(
                id,
                new Sourced<>(r, "rlhf.responses", 0, offset, id.getBytes(StandardCharsets.UTF_8), new byte[0]),
                time);
    }

    private static Record<String, Sourced<?>> feedbackRecord(long offset, Feedback f, long time) {
        return new Record<>(
                f.getResponseId(),
                new Sourced<>(
                        f, "rlhf.feedback", 0, offset, f.getResponseId().getBytes(StandardCharsets.UTF_8), new byte[0]),
                time);
    }

    @SuppressWarnings("unchecked")
    private static List<KtoDecision> data(MockProcessorContext<String, Emission<KtoDecision>> context) {
        return context.forwarded().stream()
                .map(f -> f.record().value())
                .filter(e -> e instanceof Emission.Data<?>)
                .map(e -> ((Emission.Data<KtoDecision>) e).value())
                .toList();
    }

    @SuppressWarnings("unchecked")
    private static List<Emission.Dead<KtoDecision>> dead(MockProcessorContext<String, Emission<KtoDecision>> c) {
        return c.forwarded().stream()
                .map(f -> f.record().value())
                .filter(e -> e instanceof Emission.Dead<?>)
                .map(e -> (Emission.Dead<KtoDecision>) e)
                .toList();
    }
}
