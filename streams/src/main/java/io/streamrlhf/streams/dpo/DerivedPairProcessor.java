package io.streamrlhf.streams.dpo;

import io.streamrlhf.avro.DpoPair;
import io.streamrlhf.avro.PairSource;
import io.streamrlhf.streams.avro.DerivedPromptState;
import io.streamrlhf.streams.avro.DerivedResponse;
import io.streamrlhf.streams.avro.KtoDecision;
import io.streamrlhf.streams.avro.MonitorEvent;
import io.streamrlhf.streams.avro.MonitorKind;
import io.streamrlhf.streams.avro.SourceOffset;
import io.streamrlhf.streams.common.AvroSize;
import io.streamrlhf.streams.common.Emission;
import io.streamrlhf.streams.common.Ids;
import io.streamrlhf.streams.common.ScheduleIndex;
import io.streamrlhf.streams.config.DpoConfig;
import io.streamrlhf.streams.deadletter.DeadLetterReason;
import io.streamrlhf.streams.deadletter.DeadLetters;
import io.streamrlhf.streams.erasure.ErasedUsers;
import io.streamrlhf.streams.kto.KtoJoinProcessor;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Derived DPO pairs from KTO labels (input: counted decisions keyed by prompt id): responses to one prompt with
 * opposite labels within {@code dpo.derived.window} of stream time become (up, down) pairs by
 * {@link DerivedPairRules}, at most {@code dpo.derived.pairs.per.prompt} per prompt while the prompt stays active.
 * Capped labels (weight 0) do not count; a cancellation removes the user's label. Pairs already emitted are not
 * withdrawn when labels change later. Two responses with the same completion make no pair: counted once in the
 * monitor as {@code pairsIdentical} (and remembered in the state, so that later labels do not count it again). Pair
 * id: derived from prompt id, chosen and rejected ids.
 *
 * <p>Bounded state: a prompt holds at most {@code dpo.derived.responses.per.prompt} labelled responses and its state
 * record at most {@code dpo.max.state.bytes}, checked before the store is written or a pair emitted; the label that
 * would break a bound is dead-lettered as {@code PROMPT_STATE_LIMIT} and the stored state stays as it was.
 *
 * <p>Erasure ({@link ErasedUsers}): each pair names in {@code userIds} every user whose label the two responses held
 * when it was made (their polarity, and so the pair, rests on all of them). When the set of erased users changes, a
 * scan (wall clock, as in the KTO join) cancels every pair still in the state that holds an erased user's label, with
 * a weight-0 copy under the same pair id (the trainer's "do not train"), and drops those labels. A label from an
 * erased user that reaches this processor before the KTO join has dropped it is not counted.
 */
public final class DerivedPairProcessor implements Processor<String, KtoDecision, String, Emission<DpoPair>> {

    /** Labeled responses per prompt. */
    public static final String STATE_STORE = "dpo-derived-state";
    /** The stream-time schedule. */
    public static final String SCHEDULE_STORE = "dpo-derived-schedule";

    private static final Logger log = LoggerFactory.getLogger(DerivedPairProcessor.class);

    private final DpoConfig config;
    private ProcessorContext<String, Emission<DpoPair>> context;
    private KeyValueStore<String, DerivedPromptState> states;
    private ScheduleIndex schedule;
    private ErasedUsers erased;
    private long erasedAtLastScan = -1;

    public DerivedPairProcessor(DpoConfig config) {
        this.config = config;
    }

    @Override
    public void init(ProcessorContext<String, Emission<DpoPair>> context) {
        this.context = context;
        this.states = context.getStateStore(STATE_STORE);
        this.schedule = new ScheduleIndex(context.getStateStore(SCHEDULE_STORE));
        this.erased = ErasedUsers.of(context);
        this.erasedAtLastScan = -1;
        context.schedule(config.punctuateInterval(), PunctuationType.STREAM_TIME, this::punctuate);
        context.schedule(
                KtoJoinProcessor.ERASURE_SCAN_INTERVAL, PunctuationType.WALL_CLOCK_TIME, now -> scanForErasures());
    }

    /**
     * Cancels the emitted pairs that hold an erased user's label and drops those labels, if the erased set changed.
     */
    private void scanForErasures() {
        long count = erased.count();
        if (count == erasedAtLastScan) {
            return;
        }
        erasedAtLastScan = count;
        if (count == 0) {
            return;
        }
        List<KeyValue<String, DerivedPromptState>> changed = new ArrayList<>();
        try (KeyValueIterator<String, DerivedPromptState> it = states.all()) {
            it.forEachRemaining(kv -> {
                if (kv.value.getResponses().stream().anyMatch(this::holdsErasedLabel)) {
                    changed.add(kv);
                }
            });
        }
        long now = context.currentStreamTimeMs();
        for (KeyValue<String, DerivedPromptState> kv : changed) {
            DerivedPromptState state = kv.value;
            List<String> emitted = state.getEmittedPairIds();
            for (DerivedResponse a : state.getResponses()) {
                for (DerivedResponse b : state.getResponses()) {
                    String pairId = Ids.dpoPair("DERIVED", kv.key, a.getResponseId(), b.getResponseId());
                    if (a != b && (holdsErasedLabel(a) || holdsErasedLabel(b)) && emitted.contains(pairId)) {
                        cancel(pairId, kv.key, a.getResponseId(), b.getResponseId(), now);
                    }
                }
            }
            for (DerivedResponse r : state.getResponses()) {
                Map<String, Boolean> labels = new HashMap<>(r.getLabels());
                labels.keySet().removeIf(erased::contains);
                r.setLabels(labels);
            }
            states.put(kv.key, state);
        }
    }

    private boolean holdsErasedLabel(DerivedResponse r) {
        return r.getLabels().keySet().stream().anyMatch(erased::contains);
    }

    /** Emits the weight-0 copy of an emitted pair, without text: it only has to name the pair. */
    private void cancel(String pairId, String promptId, String chosenId, String rejectedId, long now) {
        DpoPair pair = DpoPairs.of(
                pairId,
                promptId,
                "",
                new DpoPairs.Side(chosenId, "", 0),
                new DpoPairs.Side(rejectedId, "", 0),
                PairSource.DERIVED,
                List.of(),
                List.of(),
                now);
        pair.setWeight(0.0);
        context.forward(new Record<>(pairId, Emission.data(pair), now));
    }

    /** Every user whose label either side holds, sorted. */
    static List<String> labellers(DerivedResponse chosen, DerivedResponse rejected) {
        TreeSet<String> users = new TreeSet<>(chosen.getLabels().keySet());
        users.addAll(rejected.getLabels().keySet());
        return List.copyOf(users);
    }

    @Override
    public void process(Record<String, KtoDecision> record) {
        KtoDecision d = record.value();
        if (d.getCapped() || erased.contains(d.getUserId())) {
            return;
        }
        long now = record.timestamp();
        long window = config.derivedWindow().toMillis();
        DerivedPromptState state = states.get(d.getPromptId());
        if (state == null) {
            state = DerivedPromptState.newBuilder()
                    .setPromptId(d.getPromptId())
                    .setResponses(new ArrayList<>())
                    .setEmittedPairIds(new ArrayList<>())
                    .setLastTime(now)
                    .build();
        }
        List<DerivedResponse> responses = new ArrayList<>();
        for (DerivedResponse r : state.getResponses()) {
            if (r.getLastTime() + window > now) {
                responses.add(r);
            }
        }
        DerivedResponse changed = responses.stream()
                .filter(r -> r.getResponseId().equals(d.getResponseId()))
                .findFirst()
                .orElse(null);
        if (changed == null) {
            if (d.getWeight() <= 0) {
                return; // a cancelled label on a response the prompt does not hold: nothing to remove
            }
            if (responses.size() >= config.derivedResponsesPerPrompt()) {
                reject(
                        d,
                        "prompt " + d.getPromptId() + " already holds dpo.derived.responses.per.prompt="
                                + config.derivedResponsesPerPrompt() + " labelled responses within dpo.derived.window",
                        now);
                return;
            }
            changed = DerivedResponse.newBuilder()
                    .setResponseId(d.getResponseId())
                    .setPrompt(d.getPrompt())
                    .setCompletion(d.getCompletion())
                    .setPolicyVersion(d.getPolicyVersion())
                    .setLabels(new HashMap<>())
                    .setLastTime(now)
                    .setTruncated(d.getTruncated())
                    .build();
            responses.add(changed);
        }
        Map<String, Boolean> labels = new HashMap<>(changed.getLabels());
        if (d.getWeight() > 0) {
            labels.put(d.getUserId(), d.getLabel());
        } else {
            labels.remove(d.getUserId());
        }
        changed.setLabels(labels);
        changed.setLastTime(now);

        List<String> emitted = new ArrayList<>(state.getEmittedPairIds());
        List<String> skipped = new ArrayList<>(state.getSkippedPairIds());
        List<String> decided = new ArrayList<>(emitted);
        decided.addAll(skipped);
        String promptId = d.getPromptId();
        List<DpoPair> pairs = new ArrayList<>();
        List<Long> identicalVersions = new ArrayList<>();
        for (DerivedPairRules.Match m : DerivedPairRules.matches(
                changed,
                responses,
                decided,
                (c, r) -> Ids.dpoPair("DERIVED", promptId, c, r),
                config.derivedPairsPerPrompt() - emitted.size())) {
            String pairId = Ids.dpoPair(
                    "DERIVED",
                    promptId,
                    m.chosen().getResponseId(),
                    m.rejected().getResponseId());
            if (m.identical()) {
                // Opposite labels on two copies of one completion: the users disagree, the pair teaches nothing.
                skipped.add(pairId);
                identicalVersions.add(m.chosen().getPolicyVersion());
                continue;
            }
            DpoPair pair = DpoPairs.of(
                    pairId,
                    promptId,
                    d.getPrompt(),
                    new DpoPairs.Side(
                            m.chosen().getResponseId(),
                            m.chosen().getCompletion(),
                            m.chosen().getPolicyVersion(),
                            m.chosen().getTruncated()),
                    new DpoPairs.Side(
                            m.rejected().getResponseId(),
                            m.rejected().getCompletion(),
                            m.rejected().getPolicyVersion(),
                            m.rejected().getTruncated()),
                    PairSource.DERIVED,
                    List.of(),
                    List.of(),
                    now);
            pair.setUserIds(labellers(m.chosen(), m.rejected()));
            pairs.add(pair);
            emitted.add(pairId);
        }
        // The store hands out copies (it serializes), so changing this one leaves the stored state as it was.
        state.setResponses(responses);
        state.setEmittedPairIds(emitted);
        state.setSkippedPairIds(skipped);
        state.setLastTime(now);
        if (!AvroSize.fits(state, config.maxStateBytes() - AvroSize.utf8Length(promptId))) {
            reject(
                    d,
                    "label of user " + d.getUserId() + " on response " + d.getResponseId()
                            + " would make the derived-pair state of prompt " + promptId
                            + " larger than dpo.max.state.bytes="
                            + config.maxStateBytes() + " bytes",
                    now);
            return;
        }
        for (DpoPair pair : pairs) {
            context.forward(new Record<>(pair.getPairId(), Emission.data(pair), now));
        }
        for (long version : identicalVersions) {
            context.forward(new Record<>(
                    promptId, Emission.monitor(new MonitorEvent(version, MonitorKind.PAIR_IDENTICAL, 1.0)), now));
        }
        states.put(promptId, state);
        schedule.add(now + window, ScheduleIndex.tag("X", promptId));
    }

    /**
     * Dead-letters a label the prompt's state cannot take, at the coordinates of the feedback that made it (the
     * response id is that record's key; its bytes are not at hand after the repartition). Its KTO example was
     * emitted: only derived pairs miss it.
     */
    private void reject(KtoDecision d, String detail, long now) {
        log.debug("Label {} not used for derived pairs: {}", d.getExampleId(), detail);
        List<SourceOffset> offsets = d.getSourceOffsets();
        SourceOffset at = offsets.isEmpty() ? null : offsets.get(offsets.size() - 1);
        ByteBuffer key = ByteBuffer.wrap(d.getResponseId().getBytes(StandardCharsets.UTF_8));
        Emission.forwardDead(
                context,
                d.getPromptId(),
                DeadLetters.toBytes(key),
                DeadLetters.of(
                        DeadLetterReason.PROMPT_STATE_LIMIT, detail, at, key, null, context.currentSystemTimeMs()),
                -1L,
                now);
    }

    private void punctuate(long now) {
        for (ScheduleIndex.Entry entry : schedule.pollDue(now)) {
            String promptId = ScheduleIndex.parts(entry.tag())[1];
            DerivedPromptState state = states.get(promptId);
            if (state != null && state.getLastTime() + config.derivedWindow().toMillis() <= now) {
                states.delete(promptId);
            }
        }
    }
}
