package io.streamrlhf.streams.dpo;

import io.streamrlhf.avro.DpoPair;
import io.streamrlhf.avro.PairSource;
import io.streamrlhf.avro.PairwisePreference;
import io.streamrlhf.streams.avro.MonitorEvent;
import io.streamrlhf.streams.avro.MonitorKind;
import io.streamrlhf.streams.avro.PendingPreference;
import io.streamrlhf.streams.avro.ResponseSnapshot;
import io.streamrlhf.streams.common.Emission;
import io.streamrlhf.streams.common.Ids;
import io.streamrlhf.streams.common.ScheduleIndex;
import io.streamrlhf.streams.common.Sourced;
import io.streamrlhf.streams.config.DpoConfig;
import io.streamrlhf.streams.deadletter.DeadLetterReason;
import io.streamrlhf.streams.deadletter.DeadLetters;
import io.streamrlhf.streams.erasure.ErasedUsers;
import io.streamrlhf.streams.kto.KtoJoinProcessor;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Explicit DPO pairs: a {@code PairwisePreference} joined with both responses it names (input keyed by prompt id).
 * Whichever arrives last completes the pair. A preference whose responses do not both arrive within
 * {@code dpo.preference.buffer} of stream time is dead-lettered as {@code RESPONSE_NOT_FOUND}; a preference id seen
 * again within {@code dpo.response.retention} is dropped. A preference between two responses with the same completion
 * (same text, both ended or both cut off) makes no pair: it is counted in the monitor as {@code pairsIdentical} and
 * kept for de-duplication. Pair id: derived from the preference id.
 *
 * <p>Erasure ({@link ErasedUsers}): a preference from an erased user is dead-lettered as {@code USER_ERASED} without
 * its bytes; a response written for an erased user is not kept, and no pair is made with one. When the set of erased
 * users changes, a scan (wall clock, as in the KTO join) drops the erased users' preferences and responses from the
 * state, and cancels a pair already emitted from them with a weight-0 copy under the same pair id. Each pair names
 * its users ({@code userIds}).
 */
public final class ExplicitPairProcessor implements Processor<String, DpoInput, String, Emission<DpoPair>> {

    /** Responses by prompt id and response id. */
    public static final String RESPONSES_STORE = "dpo-explicit-responses";
    /** Preferences by prompt id and preference id, pending or emitted. */
    public static final String PREFERENCES_STORE = "dpo-explicit-preferences";
    /** The stream-time schedule. */
    public static final String SCHEDULE_STORE = "dpo-explicit-schedule";

    private final DpoConfig config;
    private ProcessorContext<String, Emission<DpoPair>> context;
    private KeyValueStore<String, ResponseSnapshot> responses;
    private KeyValueStore<String, PendingPreference> preferences;
    private ScheduleIndex schedule;
    private ErasedUsers erased;
    private long erasedAtLastScan = -1;

    public ExplicitPairProcessor(DpoConfig config) {
        this.config = config;
    }

    @Override
    public void init(ProcessorContext<String, Emission<DpoPair>> context) {
        this.context = context;
        this.responses = context.getStateStore(RESPONSES_STORE);
        this.preferences = context.getStateStore(PREFERENCES_STORE);
        this.schedule = new ScheduleIndex(context.getStateStore(SCHEDULE_STORE));
        this.erased = ErasedUsers.of(context);
        this.erasedAtLastScan = -1;
        context.schedule(config.punctuateInterval(), PunctuationType.STREAM_TIME, this::punctuate);
        context.schedule(
                KtoJoinProcessor.ERASURE_SCAN_INTERVAL, PunctuationType.WALL_CLOCK_TIME, now -> scanForErasures());
    }

    /** Drops erased users' preferences and the responses written for them, if the erased set changed. */
    private void scanForErasures() {
        long count = erased.count();
        if (count == erasedAtLastScan) {
            return;
        }
        erasedAtLastScan = count;
        if (count == 0) {
            return;
        }
        List<KeyValue<String, PendingPreference>> drop = new ArrayList<>();
        try (KeyValueIterator<String, PendingPreference> it = preferences.all()) {
            it.forEachRemaining(kv -> {
                if (erased.contains(kv.value.getUserId()) || authorErased(kv.value)) {
                    drop.add(kv);
                }
            });
        }
        long now = context.currentStreamTimeMs();
        for (KeyValue<String, PendingPreference> kv : drop) {
            if (kv.value.getEmitted() && !kv.value.getSkipped()) {
                cancel(kv.value, now);
            }
            preferences.delete(kv.key);
        }
        List<String> dropResponses = new ArrayList<>();
        try (KeyValueIterator<String, ResponseSnapshot> it = responses.all()) {
            it.forEachRemaining(kv -> {
                if (erased.contains(kv.value.getUserId())) {
                    dropResponses.add(kv.key);
                }
            });
        }
        dropResponses.forEach(responses::delete);
    }

    @Override
    public void process(Record<String, DpoInput> record) {
        long now = record.timestamp();
        DpoInput in = record.value();
        if (in.response() != null) {
            onResponse(in.response(), now);
        } else if (in.preference() != null) {
            onPreference(in.preference(), now);
        }
    }

    private void onResponse(ResponseSnapshot r, long now) {
        if (erased.contains(r.getUserId())) {
            // The KTO join dead-letters the response record itself (USER_ERASED); here it is only not kept.
            return;
        }
        String key = ScheduleIndex.tag(r.getPromptId(), r.getResponseId());
        if (responses.get(key) != null) {
            return;
        }
        responses.put(key, r);
        schedule.add(now + config.responseRetention().toMillis(), ScheduleIndex.tag("R", key));
        try (KeyValueIterator<String, PendingPreference> it =
                preferences.prefixScan(r.getPromptId() + ScheduleIndex.SEP, new StringSerializer())) {
            List<KeyValue<String, PendingPreference>> waiting = new java.util.ArrayList<>();
            it.forEachRemaining(waiting::add);
            for (KeyValue<String, PendingPreference> kv : waiting) {
                if (!kv.value.getEmitted()) {
                    tryEmit(kv.key, kv.value, now);
                }
            }
        }
    }

    private void onPreference(Sourced<PairwisePreference> sourced, long now) {
        PairwisePreference p = sourced.value();
        if (erased.contains(p.getUserId())) {
            refuseErased(sourced, p, now);
            return;
        }
        String key = ScheduleIndex.tag(p.getPromptId(), p.getPreferenceId());
        if (preferences.get(key) != null) {
            return;
        }
        PendingPreference pending = PendingPreference.newBuilder()
                .setPreferenceId(p.getPreferenceId())
                .setPromptId(p.getPromptId())
                .setChosenResponseId(p.getChosenResponseId())
                .setRejectedResponseId(p.getRejectedResponseId())
                .setEventTime(p.getEventTime().toEpochMilli())
                .setRecordTime(now)
                .setEmitted(false)
                .setOffset(sourced.sourceOffset())
                .setRawKey(sourced.rawKey() == null ? null : ByteBuffer.wrap(sourced.rawKey()))
                .setRawValue(ByteBuffer.wrap(sourced.rawValue()))
                .setUserId(p.getUserId())
                .build();
        schedule.add(now + config.preferenceBuffer().toMillis(), ScheduleIndex.tag("Q", key));
        schedule.add(now + config.responseRetention().toMillis(), ScheduleIndex.tag("D", key));
        if (!tryEmit(key, pending, now)) {
            preferences.put(key, pending);
        }
    }

    private boolean tryEmit(String key, PendingPreference p, long now) {
        ResponseSnapshot chosen = responses.get(ScheduleIndex.tag(p.getPromptId(), p.getChosenResponseId()));
        ResponseSnapshot rejected = responses.get(ScheduleIndex.tag(p.getPromptId(), p.getRejectedResponseId()));
        if (chosen == null || rejected == null) {
            return false;
        }
        if (erased.contains(chosen.getUserId()) || erased.contains(rejected.getUserId())) {
            return false;
        }
        if (DpoPairs.identical(side(chosen), side(rejected))) {
            // A choice between two copies of one completion teaches nothing: resolved, counted, no pair.
            context.forward(new Record<>(
                    p.getPromptId(),
                    Emission.monitor(new MonitorEvent(chosen.getPolicyVersion(), MonitorKind.PAIR_IDENTICAL, 1.0)),
                    now));
            p.setEmitted(true);
            p.setSkipped(true);
            p.setRawKey(null);
            p.setRawValue(null);
            preferences.put(key, p);
            return true;
        }
        DpoPair pair = DpoPairs.of(
                Ids.dpoPair("HUMAN", p.getPreferenceId()),
                p.getPromptId(),
                chosen.getPrompt(),
                side(chosen),
                side(rejected),
                PairSource.HUMAN,
                List.of(),
                List.of(),
                p.getEventTime());
        pair.setUserIds(userIds(p.getUserId(), chosen.getUserId(), rejected.getUserId()));
        context.forward(new Record<>(pair.getPairId(), Emission.data(pair), now));
        p.setEmitted(true);
        p.setRawKey(null);
        p.setRawValue(null);
        preferences.put(key, p);
        return true;
    }

    private void punctuate(long now) {
        for (ScheduleIndex.Entry entry : schedule.pollDue(now)) {
            String[] parts = ScheduleIndex.parts(entry.tag());
            String key = ScheduleIndex.tag(parts[1], parts[2]);
            switch (parts[0]) {
                case "R" -> responses.delete(key);
                case "D" -> preferences.delete(key);
                case "Q" -> {
                    PendingPreference p = preferences.get(key);
                    if (p != null && !p.getEmitted()) {
                        Emission.forwardDead(
                                context,
                                p.getPromptId(),
                                DeadLetters.toBytes(p.getRawKey()),
                                DeadLetters.of(
                                        DeadLetterReason.RESPONSE_NOT_FOUND,
                                        "preference " + p.getPreferenceId()
                                                + " names responses that did not both arrive within "
                                                + "dpo.preference.buffer",
                                        p.getOffset(),
                                        p.getRawKey(),
                                        p.getRawValue(),
                                        context.currentSystemTimeMs()),
                                -1L,
                                now);
                        preferences.delete(key);
                    }
                }
                default -> {
                    // Entries of a newer version of this processor; nothing to do.
                }
            }
        }
    }

    /** Whether one of the responses {@code p} names was written for an erased user. */
    private boolean authorErased(PendingPreference p) {
        for (String responseId : List.of(p.getChosenResponseId(), p.getRejectedResponseId())) {
            ResponseSnapshot r = responses.get(ScheduleIndex.tag(p.getPromptId(), responseId));
            if (r != null && erased.contains(r.getUserId())) {
                return true;
            }
        }
        return false;
    }

    /**
     * Emits the weight-0 copy of {@code p}'s pair, under the same pair id, which a trainer that has not yet trained
     * the pair reads as its cancellation. The copy carries no text: it only has to name the pair.
     */
    private void cancel(PendingPreference p, long now) {
        DpoPair pair = DpoPairs.of(
                Ids.dpoPair("HUMAN", p.getPreferenceId()),
                p.getPromptId(),
                "",
                new DpoPairs.Side(p.getChosenResponseId(), "", 0),
                new DpoPairs.Side(p.getRejectedResponseId(), "", 0),
                PairSource.HUMAN,
                List.of(),
                List.of(),
                p.getEventTime());
        pair.setWeight(0.0);
        context.forward(new Record<>(pair.getPairId(), Emission.data(pair), now));
    }

    /** The distinct known user ids among {@code ids}, in order. */
    static List<String> userIds(String... ids) {
        Set<String> known = new LinkedHashSet<>();
        for (String id : ids) {
            if (id != null) {
                known.add(id);
            }
        }
        return List.copyOf(known);
    }

    /** Dead-letters an erased user's preference with its coordinates only: no bytes, no user id. */
    private void refuseErased(Sourced<PairwisePreference> sourced, PairwisePreference p, long now) {
        String key = sourced.rawKey() == null ? null : new String(sourced.rawKey(), StandardCharsets.UTF_8);
        Emission.forwardDead(
                context,
                Objects.requireNonNullElse(key, p.getPromptId()),
                null,
                DeadLetters.of(
                        DeadLetterReason.USER_ERASED,
                        DeadLetters.VALIDATION,
                        "preference " + p.getPreferenceId() + " comes from an erased user",
                        sourced.topic(),
                        sourced.partition(),
                        sourced.offset(),
                        null,
                        null,
                        context.currentSystemTimeMs()),
                -1L,
                now);
    }

    static DpoPairs.Side side(ResponseSnapshot r) {
        return new DpoPairs.Side(r.getResponseId(), r.getCompletion(), r.getPolicyVersion(), r.getTruncated());
    }
}
