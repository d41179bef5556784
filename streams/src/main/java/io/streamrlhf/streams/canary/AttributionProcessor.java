package io.streamrlhf.streams.canary;

import io.streamrlhf.avro.Feedback;
import io.streamrlhf.avro.FeedbackKind;
import io.streamrlhf.avro.JudgeScore;
import io.streamrlhf.avro.JudgeVerdict;
import io.streamrlhf.avro.ResponseGenerated;
import io.streamrlhf.streams.avro.CanaryObservation;
import io.streamrlhf.streams.avro.CanaryResponseRef;
import io.streamrlhf.streams.common.ScheduleIndex;
import java.time.Duration;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Attributes feedback and judge verdicts to the model and policy version of the response they are about, keyed by
 * response id (co-partitioned inputs). Each response's model and version are kept in {@value #REFS_STORE} for the
 * attribution window (event time), then dropped by the schedule in {@value #SCHEDULE_STORE}. A thumbs vote becomes
 * one {@code thumbs-up} observation (hit: up; retractions count nothing); a verdict becomes one
 * {@code judge:<id>} observation per judge that gave one (hit: failed). Feedback or a verdict whose response is not
 * (or no longer) known is not counted.
 */
public final class AttributionProcessor implements Processor<String, AttributionInput, String, CanaryObservation> {

    /** Response id to its model and version. */
    public static final String REFS_STORE = "canary-response-refs";
    /** When each response's entry expires. */
    public static final String SCHEDULE_STORE = "canary-response-schedule";

    private final Duration window;
    private ProcessorContext<String, CanaryObservation> context;
    private KeyValueStore<String, CanaryResponseRef> refs;
    private ScheduleIndex schedule;

    public AttributionProcessor(Duration window) {
        this.window = window;
    }

    @Override
    public void init(ProcessorContext<String, CanaryObservation> context) {
        this.context = context;
        this.refs = context.getStateStore(REFS_STORE);
        this.schedule = new ScheduleIndex(context.getStateStore(SCHEDULE_STORE));
        Duration every = window.dividedBy(4).isZero() ? window : window.dividedBy(4);
        context.schedule(every, PunctuationType.STREAM_TIME, this::expire);
    }

    @Override
    public void process(Record<String, AttributionInput> record) {
        AttributionInput in = record.value();
        if (in == null || record.key() == null) {
            return;
        }
        if (in.response() != null) {
            ResponseGenerated r = in.response();
            long time = r.getEventTime().toEpochMilli();
            refs.put(record.key(), new CanaryResponseRef(r.getModelId(), r.getPolicyVersion(), time));
            schedule.add(time + window.toMillis(), ScheduleIndex.tag(record.key()));
        } else if (in.feedback() != null) {
            Feedback f = in.feedback();
            CanaryResponseRef ref = refs.get(record.key());
            if (ref != null && f.getKind() != FeedbackKind.RETRACT) {
                forward(
                        record,
                        ref,
                        SequentialCanaryTest.THUMBS_UP,
                        f.getKind() == FeedbackKind.THUMBS_UP,
                        f.getEventTime().toEpochMilli());
            }
        } else if (in.verdict() != null) {
            JudgeVerdict v = in.verdict();
            CanaryResponseRef ref = refs.get(record.key());
            if (ref != null) {
                for (JudgeScore s : v.getScores()) {
                    forward(
                            record,
                            ref,
                            SequentialCanaryTest.JUDGE_PREFIX + s.getJudgeId(),
                            !s.getPassed(),
                            v.getEventTime().toEpochMilli());
                }
            }
        }
    }

    private void forward(
            Record<String, AttributionInput> record, CanaryResponseRef ref, String metric, boolean hit, long time) {
        CanaryObservation o = new CanaryObservation(ref.getModelId(), ref.getPolicyVersion(), metric, hit, time);
        context.forward(record.withKey(ref.getModelId()).withValue(o));
    }

    private void expire(long now) {
        for (ScheduleIndex.Entry e : schedule.pollDue(now)) {
            String responseId = ScheduleIndex.parts(e.tag())[0];
            CanaryResponseRef ref = refs.get(responseId);
            // A response re-sent later has a later expiry of its own.
            if (ref != null && ref.getEventTime() + window.toMillis() <= e.time()) {
                refs.delete(responseId);
            }
        }
    }
}
