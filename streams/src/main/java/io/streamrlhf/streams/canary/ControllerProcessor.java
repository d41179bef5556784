package io.streamrlhf.streams.canary;

import io.streamrlhf.avro.CanaryDecision;
import io.streamrlhf.avro.CanaryEvidence;
import io.streamrlhf.streams.avro.CanaryState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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
 *
 * <p>Live statistics: a wall-clock punctuation every {@code canary.evidence.interval} forwards, for each model whose
 * running canary counted observations since its last publication, one {@code CanaryEvidence} with the current
 * statistics, and records in the model's state how far it published (in the same transaction as the evidence, so a
 * restart neither loses nor repeats a publication). Wall clock rather than stream time because the rate bound is for
 * whoever reads the topic in real time: stream time would write one record per interval of event time, thousands a
 * second while the controller catches up on a backlog, and would hold back the latest counts whenever traffic pauses.
 */
public final class ControllerProcessor implements Processor<String, ControllerInput, String, ControllerOutput> {

    /** Model id to its canary state. */
    public static final String STATE_STORE = "canary-state";

    private static final Logger log = LoggerFactory.getLogger(ControllerProcessor.class);
    private static final Duration TICK = Duration.ofMinutes(1);

    private final CanaryController controller;
    private final Duration evidenceInterval;
    private ProcessorContext<String, ControllerOutput> context;
    private KeyValueStore<String, CanaryState> states;

    /**
     * @param controller the life cycle
     * @param evidenceInterval how often (wall clock) to publish running canaries' statistics; zero: never
     */
    public ControllerProcessor(CanaryController controller, Duration evidenceInterval) {
        this.controller = controller;
        this.evidenceInterval = evidenceInterval;
    }

    @Override
    public void init(ProcessorContext<String, ControllerOutput> context) {
        this.context = context;
        this.states = context.getStateStore(STATE_STORE);
        context.schedule(TICK, PunctuationType.STREAM_TIME, this::tick);
        if (!evidenceInterval.isZero()) {
            context.schedule(evidenceInterval, PunctuationType.WALL_CLOCK_TIME, this::publishEvidence);
        }
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

    private void publishEvidence(long now) {
        List<KeyValue<String, CanaryState>> changed = new ArrayList<>();
        List<CanaryEvidence> all = new ArrayList<>();
        try (KeyValueIterator<String, CanaryState> it = states.all()) {
            while (it.hasNext()) {
                KeyValue<String, CanaryState> kv = it.next();
                Optional<CanaryEvidence> e = controller.evidence(kv.value, now);
                if (e.isPresent()) {
                    changed.add(kv);
                    all.add(e.get());
                }
            }
        }
        changed.forEach(kv -> states.put(kv.key, kv.value));
        for (CanaryEvidence e : all) {
            // Event time of the newest observation counted, like the decisions' times (not the wall clock).
            context.forward(new Record<>(
                    e.getModelId(), ControllerOutput.of(e), e.getObservedTime().toEpochMilli()));
        }
    }

    private void send(List<CanaryDecision> decisions, long time) {
        for (CanaryDecision d : decisions) {
            log.info(
                    "Canary decision for model {} version {}: {} ({})",
                    d.getModelId(),
                    d.getVersion(),
                    d.getOutcome(),
                    d.getReason());
            context.forward(new Record<>(d.getModelId(), ControllerOutput.of(d), time));
        }
    }
}
