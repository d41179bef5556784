package io.streamrlhf.streams.canary;

import io.streamrlhf.avro.CanaryDecision;
import io.streamrlhf.streams.avro.CanaryState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
 * Runs the {@link CanaryController} per model id: keeps each model's state in {@value #STATE_STORE} and forwards
 * every decision. Decisions, state and input offsets commit in one transaction (exactly-once), so each decision is
 * written once. A stream-time punctuation applies the maximum duration to canaries that see no more observations.
 */
public final class ControllerProcessor implements Processor<String, ControllerInput, String, CanaryDecision> {

    /** Model id to its canary state. */
    public static final String STATE_STORE = "canary-state";

    private static final Logger log = LoggerFactory.getLogger(ControllerProcessor.class);
    private static final Duration TICK = Duration.ofMinutes(1);

    private final CanaryController controller;
    private ProcessorContext<String, CanaryDecision> context;
    private KeyValueStore<String, CanaryState> states;

    public ControllerProcessor(CanaryController controller) {
        this.controller = controller;
    }

    @Override
    public void init(ProcessorContext<String, CanaryDecision> context) {
        this.context = context;
        this.states = context.getStateStore(STATE_STORE);
        context.schedule(TICK, PunctuationType.STREAM_TIME, this::tick);
    }

    @Override
    public void process(Record<String, ControllerInput> record) {
        ControllerInput in = record.value();
        if (in == null || record.key() == null) {
            return;
        }
        String modelId = record.key();
        CanaryState state = states.get(modelId);
        if (state == null) {
            state = CanaryController.initial(modelId);
        }
        List<CanaryDecision> decisions;
        if (in.version() != null) {
            decisions = controller.onVersion(state, in.version(), record.timestamp());
        } else {
            decisions = controller.onObservation(state, in.observation(), record.timestamp());
        }
        states.put(modelId, state);
        send(decisions, record.timestamp());
    }

    private void tick(long now) {
        List<KeyValue<String, CanaryState>> changed = new ArrayList<>();
        List<CanaryDecision> all = new ArrayList<>();
        try (KeyValueIterator<String, CanaryState> it = states.all()) {
            while (it.hasNext()) {
                KeyValue<String, CanaryState> kv = it.next();
                List<CanaryDecision> d = controller.onTime(kv.value, now);
                if (!d.isEmpty()) {
                    changed.add(kv);
                    all.addAll(d);
                }
            }
        }
        changed.forEach(kv -> states.put(kv.key, kv.value));
        send(all, now);
    }

    private void send(List<CanaryDecision> decisions, long time) {
        for (CanaryDecision d : decisions) {
            log.info(
                    "Canary decision for model {} version {}: {} ({})",
                    d.getModelId(),
                    d.getVersion(),
                    d.getOutcome(),
                    d.getReason());
            context.forward(new Record<>(d.getModelId(), d, time));
        }
    }
}
