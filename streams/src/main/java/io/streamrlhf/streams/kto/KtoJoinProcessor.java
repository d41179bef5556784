package io.streamrlhf.streams.kto;

import io.streamrlhf.avro.Feedback;
import io.streamrlhf.avro.FeedbackKind;
import io.streamrlhf.avro.ResponseGenerated;
import io.streamrlhf.avro.ResponseSource;
import io.streamrlhf.streams.avro.KtoDecision;
import io.streamrlhf.streams.avro.KtoResponseState;
import io.streamrlhf.streams.avro.MonitorEvent;
import io.streamrlhf.streams.avro.MonitorKind;
import io.streamrlhf.streams.avro.PendingFeedback;
import io.streamrlhf.streams.avro.ResponseSnapshot;
import io.streamrlhf.streams.avro.SourceOffset;
import io.streamrlhf.streams.avro.Vote;
import io.streamrlhf.streams.common.Emission;
import io.streamrlhf.streams.common.Ids;
import io.streamrlhf.streams.common.ObjectCache;
import io.streamrlhf.streams.common.ScheduleIndex;
import io.streamrlhf.streams.common.Sourced;
import io.streamrlhf.streams.config.KtoConfig;
import io.streamrlhf.streams.deadletter.DeadLetterReason;
import io.streamrlhf.streams.deadletter.DeadLetters;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Joins feedback with the response it rates and decides KTO labels, one per (response, user).
 *
 * <p>State per response id ({@value #STATE_STORE}): the response, every user's vote, the feedback ids seen (to drop
 * redeliveries) and feedback that arrived before its response. A schedule ({@value #SCHEDULE_STORE}; not
 * changelogged, rebuilt from the state on every init) orders by stream time the settle deadlines, the expiry of
 * responses after {@code kto.responseRetention} and the end of the early-feedback buffer, after which unmatched
 * feedback is dead-lettered as {@code RESPONSE_NOT_FOUND}. An expired response also reads as absent before its
 * expiry entry comes due (a partition's punctuation waits for its stream time to advance). All deadlines are in
 * stream time (record timestamps), so they are reproducible and testable; a partition that receives no records does
 * not advance them.
 */
public final class KtoJoinProcessor implements Processor<String, Sourced<?>, String, Emission<KtoDecision>> {

    /** The per-response state store. */
    public static final String STATE_STORE = "kto-response-state";
    /** The stream-time schedule store. */
    public static final String SCHEDULE_STORE = "kto-schedule";

    private static final Logger log = LoggerFactory.getLogger(KtoJoinProcessor.class);
    private static final int MAX_SEEN_FEEDBACK_IDS = 256;
    private static final int MAX_EXPIRY_BATCH = 4096;

    private final KtoConfig config;
    private ProcessorContext<String, Emission<KtoDecision>> context;
    private ObjectCache<String, KtoResponseState> states;
    private ScheduleIndex schedule;
    /** Expiries not yet written to the schedule: response ids, in stream-time order ({@link #expireLater}). */
    private final List<String> expiring = new ArrayList<>();
    private long expiringFrom;
    private long expiringUntil = Long.MIN_VALUE;

    public KtoJoinProcessor(KtoConfig config) {
        this.config = config;
    }

    @Override
    public void init(ProcessorContext<String, Emission<KtoDecision>> context) {
        this.context = context;
        // A new cache per init: Kafka Streams calls init again whenever it restores the store.
        this.states = new ObjectCache<>(context.getStateStore(STATE_STORE), config.cachedStates());
        this.schedule = new ScheduleIndex(context.getStateStore(SCHEDULE_STORE));
        rebuildSchedule();
        context.schedule(config.punctuateInterval(), PunctuationType.STREAM_TIME, this::punctuate);
    }

    /**
     * Fills the schedule from the restored state: every deadline is in a state record (a response's expiry, a vote's
     * settle time, each early feedback's arrival), so the schedule needs no changelog of its own. Runs on every
     * {@code init}, which Kafka Streams calls once the state is restored, for a new task and for one revived after
     * an aborted transaction alike; it reads the whole state once.
     */
    private void rebuildSchedule() {
        schedule.clear();
        expiring.clear();
        expiringUntil = Long.MIN_VALUE;
        long buffer = config.earlyFeedbackBuffer().toMillis();
        int states = 0;
        try (KeyValueIterator<String, KtoResponseState> it = this.states.all()) {
            while (it.hasNext()) {
                KtoResponseState state = it.next().value;
                states++;
                String id = state.getResponseId();
                if (state.getResponse() != null) {
                    schedule.add(state.getExpiresAt(), ScheduleIndex.tag("E", id));
                }
                for (Vote vote : state.getVotes()) {
                    if (vote.getSettleAt() >= 0) {
                        schedule.add(vote.getSettleAt(), ScheduleIndex.tag("S", id, vote.getUserId()));
                    }
                }
                for (PendingFeedback p : state.getEarly()) {
                    schedule.add(p.getRecordTime() + buffer, ScheduleIndex.tag("O", id));
                }
            }
        }
        log.debug("Rebuilt the KTO schedule from {} response states", states);
    }

    /** Takes valid responses and valid feedback, told apart by the decoded value's type. */
    @Override
    @SuppressWarnings("unchecked")
    public void process(Record<String, Sourced<?>> record) {
        Object value = record.value().value();
        if (value instanceof ResponseGenerated) {
            onResponse((Sourced<ResponseGenerated>) record.value(), record.timestamp());
        } else if (value instanceof Feedback) {
            onFeedback((Sourced<Feedback>) record.value(), record.timestamp());
        } else {
            throw new IllegalArgumentException("KTO join takes responses and feedback, not " + value);
        }
    }

    private void onResponse(Sourced<ResponseGenerated> sourced, long now) {
        ResponseGenerated r = sourced.value();
        KtoResponseState state = stateOf(r.getResponseId(), now);
        if (state.getResponse() != null) {
            return;
        }
        state.setResponse(snapshot(sourced));
        state.setExpiresAt(now + config.responseRetention().toMillis());
        expireLater(r.getResponseId(), state.getExpiresAt());
        List<PendingFeedback> early = new ArrayList<>(state.getEarly());
        early.sort(Comparator.comparingLong(PendingFeedback::getEventTime)
                .thenComparing(PendingFeedback::getFeedbackId));
        state.setEarly(new ArrayList<>());
        for (PendingFeedback p : early) {
            applyVote(state, p.getUserId(), p.getFeedbackId(), FeedbackKind.valueOf(p.getKind()), p.getEventTime(),
                    p.getOffset(), now);
        }
        states.put(r.getResponseId(), state);
    }

    private void onFeedback(Sourced<Feedback> sourced, long now) {
        Feedback f = sourced.value();
        KtoResponseState state = stateOf(f.getResponseId(), now);
        List<String> seen = new ArrayList<>(state.getSeenFeedbackIds());
        if (seen.contains(f.getFeedbackId())) {
            log.debug("Dropping duplicate feedback {} on {}", f.getFeedbackId(), f.getResponseId());
            return;
        }
        seen.add(f.getFeedbackId());
        if (seen.size() > MAX_SEEN_FEEDBACK_IDS) {
            seen.remove(0);
        }
        state.setSeenFeedbackIds(seen);
        if (state.getResponse() == null) {
            List<PendingFeedback> early = new ArrayList<>(state.getEarly());
            early.add(PendingFeedback.newBuilder()
                    .setFeedbackId(f.getFeedbackId()).setUserId(f.getUserId()).setKind(f.getKind().name())
                    .setEventTime(f.getEventTime().toEpochMilli()).setRecordTime(now)
                    .setOffset(sourced.sourceOffset())
                    .setRawKey(sourced.rawKey() == null ? null : ByteBuffer.wrap(sourced.rawKey()))
                    .setRawValue(sourced.rawValue() == null ? null : ByteBuffer.wrap(sourced.rawValue()))
                    .build());
            state.setEarly(early);
            schedule.add(now + config.earlyFeedbackBuffer().toMillis(), ScheduleIndex.tag("O", f.getResponseId()));
        } else {
            applyVote(state, f.getUserId(), f.getFeedbackId(), f.getKind(), f.getEventTime().toEpochMilli(),
                    sourced.sourceOffset(), now);
        }
        states.put(f.getResponseId(), state);
    }

    private void applyVote(KtoResponseState state, String userId, String feedbackId, FeedbackKind kind,
                           long feedbackTime, SourceOffset at, long now) {
        List<Vote> votes = new ArrayList<>(state.getVotes());
        Vote vote = votes.stream().filter(v -> v.getUserId().equals(userId)).findFirst().orElse(null);
        if (vote == null) {
            vote = VoteRules.newVote(userId);
            votes.add(vote);
            state.setVotes(votes);
        }
        if (!VoteRules.apply(vote, feedbackId, kind, feedbackTime, at)) {
            log.debug("Ignoring feedback {} older than the standing vote of {} on {}", feedbackId, userId,
                    state.getResponseId());
            return;
        }
        ResponseSnapshot response = state.getResponse();
        MonitorKind monitorKind = switch (kind) {
            case THUMBS_UP -> MonitorKind.FEEDBACK_UP;
            case THUMBS_DOWN -> MonitorKind.FEEDBACK_DOWN;
            case RETRACT -> MonitorKind.FEEDBACK_RETRACT;
        };
        context.forward(new Record<>(state.getResponseId(),
                Emission.monitor(new MonitorEvent(response.getPolicyVersion(), monitorKind, 0.0)), now));
        if (config.settleDelay().isZero()) {
            decide(state, vote, now);
        } else {
            vote.setSettleAt(now + config.settleDelay().toMillis());
            schedule.add(vote.getSettleAt(), ScheduleIndex.tag("S", state.getResponseId(), userId));
        }
    }

    private void decide(KtoResponseState state, Vote vote, long now) {
        vote.setSettleAt(-1);
        VoteRules.decide(vote).ifPresent(d -> {
            ResponseSnapshot r = state.getResponse();
            List<SourceOffset> offsets = new ArrayList<>();
            if (r.getOffset() != null) {
                offsets.add(r.getOffset());
            }
            if (vote.getFeedbackOffset() != null) {
                offsets.add(vote.getFeedbackOffset());
            }
            // Setters, not Avro's builder (which resolves defaults on every build): every field is set here.
            KtoDecision decision = new KtoDecision();
            decision.setExampleId(Ids.ktoExample(r.getResponseId(), vote.getUserId()));
            decision.setResponseId(r.getResponseId());
            decision.setUserId(vote.getUserId());
            decision.setPromptId(r.getPromptId());
            decision.setPrompt(r.getPrompt());
            decision.setCompletion(r.getCompletion());
            decision.setLabel(d.label());
            decision.setWeight(d.weight());
            decision.setCorrection(d.correction());
            decision.setCapped(false);
            decision.setPolicyVersion(r.getPolicyVersion());
            decision.setResponseTime(r.getEventTime());
            decision.setFeedbackTime(vote.getFeedbackTime());
            decision.setSourceOffsets(offsets);
            decision.setTruncated(r.getTruncated());
            context.forward(new Record<>(decision.getExampleId(), Emission.data(decision), now));
        });
    }

    /**
     * Queues {@code responseId}'s expiry. Expiries mostly come in time order (a record's time plus a fixed
     * retention), so they are written to the schedule in batches whose expiry times span at most one punctuation
     * interval, one entry per batch instead of one per response, due at the batch's latest expiry: a response leaves
     * the store at most one interval after it expired (it reads as absent from its expiry on). A batch is written
     * when the next expiry would widen it past the interval, when it holds {@value #MAX_EXPIRY_BATCH} ids and at
     * every punctuation. The batch not yet written is rebuilt from the state, like the rest of the schedule, if the
     * task restarts.
     */
    private void expireLater(String responseId, long expiresAt) {
        long interval = config.punctuateInterval().toMillis();
        if (!expiring.isEmpty() && (Math.max(expiringUntil, expiresAt) - Math.min(expiringFrom, expiresAt) > interval
                || expiring.size() >= MAX_EXPIRY_BATCH)) {
            writeExpiring();
        }
        if (expiring.isEmpty()) {
            expiringFrom = expiresAt;
            expiringUntil = expiresAt;
        } else {
            expiringFrom = Math.min(expiringFrom, expiresAt);
            expiringUntil = Math.max(expiringUntil, expiresAt);
        }
        expiring.add(responseId);
    }

    private void writeExpiring() {
        if (expiring.isEmpty()) {
            return;
        }
        // Keyed by the first id: two batches due at the same time never start with the same response.
        schedule.add(expiringUntil, ScheduleIndex.tag("E", expiring.get(0)),
                "E" + ScheduleIndex.SEP + String.join(ScheduleIndex.SEP, expiring));
        expiring.clear();
        expiringUntil = Long.MIN_VALUE;
    }

    private void punctuate(long now) {
        writeExpiring();
        for (ScheduleIndex.Entry entry : schedule.pollDue(now)) {
            String[] parts = ScheduleIndex.parts(entry.tag());
            if (parts[0].equals("E")) {
                // Only an expired response goes: by now an id may hold a newer state (early feedback that read the
                // response as expired), which its own entries look after.
                for (int i = 1; i < parts.length; i++) {
                    KtoResponseState state = states.get(parts[i]);
                    if (state != null && isExpired(state, now)) {
                        states.delete(parts[i]);
                    }
                }
                continue;
            }
            KtoResponseState state = states.get(parts[1]);
            if (state == null) {
                continue;
            }
            switch (parts[0]) {
                case "S" -> settle(state, parts[2], entry.time(), now);
                case "O" -> expireEarly(state, now);
                default -> log.warn("Unknown schedule entry {}", entry.tag());
            }
        }
    }

    private void settle(KtoResponseState state, String userId, long dueAt, long now) {
        for (Vote vote : state.getVotes()) {
            if (vote.getUserId().equals(userId) && vote.getSettleAt() == dueAt) {
                decide(state, vote, now);
                states.put(state.getResponseId(), state);
                return;
            }
        }
    }

    private void expireEarly(KtoResponseState state, long now) {
        if (state.getResponse() != null) {
            return;
        }
        long buffer = config.earlyFeedbackBuffer().toMillis();
        List<PendingFeedback> keep = new ArrayList<>();
        for (PendingFeedback p : state.getEarly()) {
            if (p.getRecordTime() + buffer <= now) {
                context.forward(new Record<>(state.getResponseId(), Emission.dead(DeadLetters.toBytes(p.getRawKey()),
                        DeadLetters.of(DeadLetterReason.RESPONSE_NOT_FOUND, "feedback " + p.getFeedbackId()
                                        + " names response " + state.getResponseId()
                                        + ", which did not arrive within kto.earlyFeedbackBuffer or has expired",
                                p.getOffset(), p.getRawKey(), p.getRawValue(), context.currentSystemTimeMs())), now));
                context.forward(new Record<>(state.getResponseId(),
                        Emission.monitor(new MonitorEvent(-1L, MonitorKind.DEAD_LETTER, 0.0)), now));
            } else {
                keep.add(p);
            }
        }
        if (keep.isEmpty()) {
            states.delete(state.getResponseId());
        } else {
            state.setEarly(keep);
            states.put(state.getResponseId(), state);
        }
    }

    private static boolean isExpired(KtoResponseState state, long now) {
        return state.getResponse() != null && state.getExpiresAt() <= now;
    }

    /** The state of {@code responseId}, a fresh one when there is none or it has expired by {@code now}. */
    private KtoResponseState stateOf(String responseId, long now) {
        KtoResponseState state = states.get(responseId);
        // An expired state is replaced, not deleted: every caller that goes on writes the fresh one.
        return state != null && !isExpired(state, now) ? state
                : new KtoResponseState(responseId, null, new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), -1L);
    }

    /** The parts of a response kept in state and repartition topics. */
    public static ResponseSnapshot snapshot(Sourced<ResponseGenerated> sourced) {
        ResponseGenerated r = sourced.value();
        return ResponseSnapshot.newBuilder()
                .setResponseId(r.getResponseId()).setPromptId(r.getPromptId()).setPrompt(r.getPrompt())
                .setCompletion(r.getCompletion()).setPolicyVersion(r.getPolicyVersion()).setTruncated(r.getTruncated())
                .setRollout(r.getSource() == ResponseSource.SAMPLED_ROLLOUT).setTask(r.getTask())
                .setEventTime(r.getEventTime().toEpochMilli()).setOffset(sourced.sourceOffset())
                .build();
    }
}
