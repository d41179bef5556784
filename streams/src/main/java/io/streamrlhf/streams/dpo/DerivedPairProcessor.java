package io.streamrlhf.streams.dpo;

import io.streamrlhf.avro.DpoPair;
import io.streamrlhf.avro.PairSource;
import io.streamrlhf.streams.avro.DerivedPromptState;
import io.streamrlhf.streams.avro.DerivedResponse;
import io.streamrlhf.streams.avro.KtoDecision;
import io.streamrlhf.streams.common.Emission;
import io.streamrlhf.streams.common.Ids;
import io.streamrlhf.streams.common.ScheduleIndex;
import io.streamrlhf.streams.config.DpoConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Derived DPO pairs from KTO labels (input: counted decisions keyed by prompt id): responses to one prompt with
 * opposite labels within {@code dpo.derivedWindow} of stream time become (up, down) pairs by
 * {@link DerivedPairRules}, at most {@code dpo.derivedPairsPerPrompt} per prompt while the prompt stays active.
 * Capped labels (weight 0) do not count; a cancellation removes the user's label. Pairs already emitted are not
 * withdrawn when labels change later. Pair id: derived from prompt id, chosen and rejected ids.
 */
public final class DerivedPairProcessor implements Processor<String, KtoDecision, String, Emission<DpoPair>> {

    /** Labeled responses per prompt. */
    public static final String STATE_STORE = "dpo-derived-state";
    /** The stream-time schedule. */
    public static final String SCHEDULE_STORE = "dpo-derived-schedule";

    private final DpoConfig config;
    private ProcessorContext<String, Emission<DpoPair>> context;
    private KeyValueStore<String, DerivedPromptState> states;
    private ScheduleIndex schedule;

    public DerivedPairProcessor(DpoConfig config) {
        this.config = config;
    }

    @Override
    public void init(ProcessorContext<String, Emission<DpoPair>> context) {
        this.context = context;
        this.states = context.getStateStore(STATE_STORE);
        this.schedule = new ScheduleIndex(context.getStateStore(SCHEDULE_STORE));
        context.schedule(config.punctuateInterval(), PunctuationType.STREAM_TIME, this::punctuate);
    }

    @Override
    public void process(Record<String, KtoDecision> record) {
        KtoDecision d = record.value();
        if (d.getCapped()) {
            return;
        }
        long now = record.timestamp();
        long window = config.derivedWindow().toMillis();
        DerivedPromptState state = states.get(d.getPromptId());
        if (state == null) {
            state = DerivedPromptState.newBuilder().setPromptId(d.getPromptId()).setResponses(new ArrayList<>())
                    .setEmittedPairIds(new ArrayList<>()).setLastTime(now).build();
        }
        List<DerivedResponse> responses = new ArrayList<>();
        for (DerivedResponse r : state.getResponses()) {
            if (r.getLastTime() + window > now) {
                responses.add(r);
            }
        }
        DerivedResponse changed = responses.stream().filter(r -> r.getResponseId().equals(d.getResponseId()))
                .findFirst().orElse(null);
        if (changed == null) {
            changed = DerivedResponse.newBuilder().setResponseId(d.getResponseId()).setPrompt(d.getPrompt())
                    .setCompletion(d.getCompletion()).setPolicyVersion(d.getPolicyVersion())
                    .setLabels(new HashMap<>()).setLastTime(now).setTruncated(d.getTruncated()).build();
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
        String promptId = d.getPromptId();
        for (DerivedPairRules.Match m : DerivedPairRules.matches(changed, responses, emitted,
                (c, r) -> Ids.dpoPair("DERIVED", promptId, c, r), config.derivedPairsPerPrompt() - emitted.size())) {
            String pairId = Ids.dpoPair("DERIVED", promptId, m.chosen().getResponseId(), m.rejected().getResponseId());
            DpoPair pair = DpoPairs.of(pairId, promptId, d.getPrompt(),
                    new DpoPairs.Side(m.chosen().getResponseId(), m.chosen().getCompletion(),
                            m.chosen().getPolicyVersion(), m.chosen().getTruncated()),
                    new DpoPairs.Side(m.rejected().getResponseId(), m.rejected().getCompletion(),
                            m.rejected().getPolicyVersion(), m.rejected().getTruncated()),
                    PairSource.DERIVED, List.of(), List.of(), now);
            context.forward(new Record<>(pairId, Emission.data(pair), now));
            emitted.add(pairId);
        }
        state.setResponses(responses);
        state.setEmittedPairIds(emitted);
        state.setLastTime(now);
        states.put(promptId, state);
        schedule.add(now + window, ScheduleIndex.tag("X", promptId));
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
