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
import io.streamrlhf.streams.common.AvroSize;
import io.streamrlhf.streams.common.Emission;
import io.streamrlhf.streams.common.Ids;
import io.streamrlhf.streams.common.ObjectCache;
import io.streamrlhf.streams.common.ScheduleIndex;
import io.streamrlhf.streams.common.Sourced;
import io.streamrlhf.streams.config.KtoConfig;
import io.streamrlhf.streams.deadletter.DeadLetterReason;
import io.streamrlhf.streams.deadletter.DeadLetters;
import io.streamrlhf.streams.erasure.ErasedUsers;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
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
 * responses after {@code kto.response.retention} and the end of the early-feedback buffer, after which unmatched
 * feedback is dead-lettered as {@code RESPONSE_NOT_FOUND}. An expired response also reads as absent before its
 * expiry entry comes due (a partition's punctuation waits for its stream time to advance). All deadlines are in
 * stream time (record timestamps), so they are reproducible and testable; a partition that receives no records does
 * not advance them.
 *
 * <p>Bounded state: a response holds at most {@code kto.max.votes.per.response} votes (or early feedback) and its state
 * record at most {@code kto.max.state.bytes}. Each record's new state is built beside the stored one and checked before
 * anything is written or emitted; the record that would break a bound is dead-lettered ({@code RESPONSE_VOTES_LIMIT},
 * {@code RESPONSE_STATE_LIMIT}) and the stored state stays as it was, so the store and its changelog always agree and
 * no changelog record grows past what Kafka accepts.
 *
 * <p>Erasure ({@link ErasedUsers}): feedback from an erased user, and a response written for one, is refused and
 * dead-lettered as {@code USER_ERASED} without its bytes. Whenever the set of erased users has changed, a scan of
 * the whole state (at most every {@link #ERASURE_SCAN_INTERVAL} of wall-clock time, and on every init) drops the
 * erased users' votes and early feedback and the responses written for them; a vote whose example was already
 * emitted is cancelled with a weight-0 correction first, so a trainer that has not yet trained it never will.
 */
public final class KtoJoinProcessor implements Processor<String, Sourced<?>, String, Emission<KtoDecision>> {

    /** The per-response state store. */
    public static final String STATE_STORE = "kto-response-state";
    /** The stream-time schedule store. */
    public static final String SCHEDULE_STORE = "kto-schedule";

    private static final Logger log = LoggerFactory.getLogger(KtoJoinProcessor.class);
    private static final int MAX_SEEN_FEEDBACK_IDS = 256;
    private static final int MAX_EXPIRY_BATCH = 4096;
    private static final long CACHE_SLOT_BYTES = 128;
    /**
     * How often (wall clock) a task checks whether users were erased since its last scan. Wall clock, not stream
     * time, so that an erasure takes effect on a partition that receives nothing; a scan runs only after a change.
     */
    public static final Duration ERASURE_SCAN_INTERVAL = Duration.ofSeconds(10);

    private final KtoConfig config;
    private ProcessorContext<String, Emission<KtoDecision>> context;
    private ObjectCache<String, KtoResponseState> states;
    private ScheduleIndex schedule;
    private ErasedUsers erased;
    /** Whether the topology takes this node's monitor events (not when built without the monitor). */
    private boolean monitored;
    /** How many users were erased at the last scan of the state; -1 before the first. */
    private long erasedAtLastScan = -1;
    /** Expiries not yet written to the schedule: response ids, in stream-time order ({@link #expireLater}). */
    private final List<String> expiring = new ArrayList<>();
    /** What the record being processed emits, sent only once its new state is within bounds. */
    private final List<Record<String, Emission<KtoDecision>>> staged = new ArrayList<>();

    private final List<Due> stagedSchedule = new ArrayList<>();
    private long expiringFrom;
    private long expiringUntil = Long.MIN_VALUE;

    /** A schedule entry to add once the record is accepted. */
    private record Due(long time, String tag) {}

    public KtoJoinProcessor(KtoConfig config) {
        this.config = config;
    }

    @Override
    public void init(ProcessorContext<String, Emission<KtoDecision>> context) {
        this.context = context;
        // A new cache per init: Kafka Streams calls init again whenever it restores the store.
        this.states = new ObjectCache<>(
                context.getStateStore(STATE_STORE), KtoJoinProcessor::cacheWeight, config.cachedStateBytes());
        this.schedule = new ScheduleIndex(context.getStateStore(SCHEDULE_STORE));
        this.erased = ErasedUsers.of(context);
        this.monitored = Emission.Routing.monitored(context);
        this.erasedAtLastScan = -1;
        rebuildSchedule();
        context.schedule(config.punctuateInterval(), PunctuationType.STREAM_TIME, this::punctuate);
        context.schedule(ERASURE_SCAN_INTERVAL, PunctuationType.WALL_CLOCK_TIME, now -> scanForErasures());
    }

    /**
     * Drops the erased users' data from every response state, if the set of erased users changed since the last
     * scan. Reads the whole store: erasures are rare, and between them a scan costs one count.
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
        long now = context.currentStreamTimeMs();
        List<String> ids = new ArrayList<>();
        try (KeyValueIterator<String, KtoResponseState> it = states.all()) {
            while (it.hasNext()) {
                ids.add(it.next().key);
            }
        }
        int changed = 0;
        for (String id : ids) {
            KtoResponseState state = states.get(id);
            if (state != null && purgeErased(state, now)) {
                changed++;
            }
        }
        if (changed > 0) {
            log.info("Dropped erased users' data from {} of {} response states", changed, ids.size());
        }
    }

    /**
     * Drops what {@code state} holds of erased users: the whole state when its response was written for one, else
     * their votes and early feedback. Emitted examples are cancelled first (weight 0, {@code correction=true}).
     * Only shrinks the state, so no bound is checked.
     *
     * @return whether the state changed
     */
    private boolean purgeErased(KtoResponseState state, long now) {
        ResponseSnapshot response = state.getResponse();
        boolean authorErased = response != null && erased.contains(response.getUserId());
        List<Vote> keep = new ArrayList<>();
        boolean changed = false;
        for (Vote vote : state.getVotes()) {
            if (authorErased || erased.contains(vote.getUserId())) {
                cancel(state, vote, now);
                changed = true;
            } else {
                keep.add(vote);
            }
        }
        List<PendingFeedback> early = new ArrayList<>();
        for (PendingFeedback p : state.getEarly()) {
            if (erased.contains(p.getUserId())) {
                changed = true;
            } else {
                early.add(p);
            }
        }
        flushStaged();
        if (authorErased) {
            states.delete(state.getResponseId());
            return true;
        }
        if (changed) {
            KtoResponseState next = new KtoResponseState(
                    state.getResponseId(), response, keep, state.getSeenFeedbackIds(), early, state.getExpiresAt());
            if (response == null && early.isEmpty() && keep.isEmpty()) {
                states.delete(state.getResponseId());
            } else {
                states.put(state.getResponseId(), next);
            }
        }
        return changed;
    }

    /** Stages the weight-0 correction of {@code vote}'s emitted example, if one stands. */
    private void cancel(KtoResponseState state, Vote vote, long now) {
        if (state.getResponse() == null || !vote.getEmittedActive()) {
            return;
        }
        Vote retracted = copy(vote);
        retracted.setKind(FeedbackKind.RETRACT.name());
        decide(state, retracted, now);
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
        if (erased.contains(r.getUserId())) {
            refuseErased(sourced, "response " + r.getResponseId() + " was written for an erased user", now);
            return;
        }
        KtoResponseState old = stateOf(r.getResponseId(), now);
        if (old.getResponse() != null) {
            return;
        }
        // A new state, not the stored one changed in place: if it breaks a bound the stored one stays as it was.
        // Without early feedback (the usual order) the new state has no votes: an empty list shared by such states,
        // which no code changes in place (a vote is added to the copy a feedback makes).
        List<PendingFeedback> early = old.getEarly();
        KtoResponseState next = new KtoResponseState(
                r.getResponseId(),
                snapshot(sourced),
                early.isEmpty() ? List.of() : new ArrayList<>(),
                old.getSeenFeedbackIds(),
                List.of(),
                now + config.responseRetention().toMillis());
        if (early.size() > 1) {
            early = new ArrayList<>(early);
            early.sort(Comparator.comparingLong(PendingFeedback::getEventTime)
                    .thenComparing(PendingFeedback::getFeedbackId));
        }
        for (PendingFeedback p : early) {
            if (erased.contains(p.getUserId())) {
                continue;
            }
            applyVote(
                    next,
                    p.getUserId(),
                    p.getFeedbackId(),
                    FeedbackKind.valueOf(p.getKind()),
                    p.getEventTime(),
                    p.getOffset(),
                    now);
        }
        long size = sizeWithin(next);
        if (size < 0) {
            reject(
                    sourced,
                    DeadLetterReason.RESPONSE_STATE_LIMIT,
                    "response " + r.getResponseId() + " with "
                            + next.getVotes().size() + " early vote(s) takes more than kto.max.state.bytes="
                            + config.maxStateBytes() + " bytes of state",
                    r.getPolicyVersion(),
                    now);
            return;
        }
        flushStaged();
        expireLater(r.getResponseId(), next.getExpiresAt());
        states.put(r.getResponseId(), next, CACHE_SLOT_BYTES + size);
    }

    private void onFeedback(Sourced<Feedback> sourced, long now) {
        Feedback f = sourced.value();
        String responseId = f.getResponseId();
        if (erased.contains(f.getUserId())) {
            refuseErased(sourced, "feedback " + f.getFeedbackId() + " comes from an erased user", now);
            return;
        }
        KtoResponseState state = stateOf(responseId, now);
        if (state.getSeenFeedbackIds().contains(f.getFeedbackId())) {
            log.debug("Dropping duplicate feedback {} on {}", f.getFeedbackId(), responseId);
            return;
        }
        List<String> seenBefore = state.getSeenFeedbackIds();
        List<String> seen = new ArrayList<>(seenBefore.size() + 1);
        seen.addAll(seenBefore);
        seen.add(f.getFeedbackId());
        if (seen.size() > MAX_SEEN_FEEDBACK_IDS) {
            seen.remove(0);
        }
        KtoResponseState next;
        if (state.getResponse() == null) {
            if (state.getEarly().size() >= config.maxVotesPerResponse()) {
                reject(sourced, DeadLetterReason.RESPONSE_VOTES_LIMIT, votesLimit(f), -1L, now);
                return;
            }
            List<PendingFeedback> early = new ArrayList<>(state.getEarly());
            early.add(PendingFeedback.newBuilder()
                    .setFeedbackId(f.getFeedbackId())
                    .setUserId(f.getUserId())
                    .setKind(f.getKind().name())
                    .setEventTime(f.getEventTime().toEpochMilli())
                    .setRecordTime(now)
                    .setOffset(sourced.sourceOffset())
                    .setRawKey(sourced.rawKey() == null ? null : ByteBuffer.wrap(sourced.rawKey()))
                    .setRawValue(sourced.rawValue() == null ? null : ByteBuffer.wrap(sourced.rawValue()))
                    .build());
            next = new KtoResponseState(responseId, null, state.getVotes(), seen, early, state.getExpiresAt());
            stage(now + config.earlyFeedbackBuffer().toMillis(), ScheduleIndex.tag("O", responseId));
        } else {
            if (state.getVotes().size() >= config.maxVotesPerResponse() && voteOf(state, f.getUserId()) < 0) {
                reject(sourced, DeadLetterReason.RESPONSE_VOTES_LIMIT, votesLimit(f), -1L, now);
                return;
            }
            List<Vote> votesBefore = state.getVotes();
            List<Vote> votes = new ArrayList<>(votesBefore.size() + 1);
            votes.addAll(votesBefore);
            next = new KtoResponseState(
                    responseId, state.getResponse(), votes, seen, state.getEarly(), state.getExpiresAt());
            applyVote(
                    next,
                    f.getUserId(),
                    f.getFeedbackId(),
                    f.getKind(),
                    f.getEventTime().toEpochMilli(),
                    sourced.sourceOffset(),
                    now);
        }
        long size = sizeWithin(next);
        if (size < 0) {
            reject(
                    sourced,
                    DeadLetterReason.RESPONSE_STATE_LIMIT,
                    "feedback " + f.getFeedbackId()
                            + " would make the state of response " + responseId + " larger than kto.max.state.bytes="
                            + config.maxStateBytes() + " bytes",
                    -1L,
                    now);
            return;
        }
        flushStaged();
        states.put(responseId, next, CACHE_SLOT_BYTES + size);
    }

    private String votesLimit(Feedback f) {
        return "response " + f.getResponseId() + " already holds kto.max.votes.per.response="
                + config.maxVotesPerResponse() + " votes or waiting feedback; feedback " + f.getFeedbackId()
                + " is not counted";
    }

    /**
     * Records feedback as {@code userId}'s vote in {@code state}, whose votes list this call may change (it must be
     * the new state's own copy). The vote is replaced by a changed copy, never changed in place, and what it emits is
     * staged ({@link #flushStaged}), so a state that then breaks a bound leaves no trace.
     */
    private void applyVote(
            KtoResponseState state,
            String userId,
            String feedbackId,
            FeedbackKind kind,
            long feedbackTime,
            SourceOffset at,
            long now) {
        List<Vote> votes = state.getVotes();
        int i = voteOf(state, userId);
        Vote vote = i < 0 ? VoteRules.newVote(userId) : copy(votes.get(i));
        if (!VoteRules.apply(vote, feedbackId, kind, feedbackTime, at)) {
            log.debug(
                    "Ignoring feedback {} older than the standing vote of {} on {}",
                    feedbackId,
                    userId,
                    state.getResponseId());
            return;
        }
        if (i < 0) {
            votes.add(vote);
        } else {
            votes.set(i, vote);
        }
        if (monitored) {
            ResponseSnapshot response = state.getResponse();
            MonitorKind monitorKind = switch (kind) {
                case THUMBS_UP -> MonitorKind.FEEDBACK_UP;
                case THUMBS_DOWN -> MonitorKind.FEEDBACK_DOWN;
                case RETRACT -> MonitorKind.FEEDBACK_RETRACT;
            };
            staged.add(new Record<>(
                    state.getResponseId(),
                    Emission.monitor(new MonitorEvent(response.getPolicyVersion(), monitorKind, 0.0)),
                    now));
        }
        if (config.settleDelay().isZero()) {
            decide(state, vote, now);
        } else {
            vote.setSettleAt(now + config.settleDelay().toMillis());
            stage(vote.getSettleAt(), ScheduleIndex.tag("S", state.getResponseId(), userId));
        }
    }

    private static int voteOf(KtoResponseState state, String userId) {
        List<Vote> votes = state.getVotes();
        for (int i = 0; i < votes.size(); i++) {
            if (votes.get(i).getUserId().equals(userId)) {
                return i;
            }
        }
        return -1;
    }

    private static Vote copy(Vote v) {
        // The all-fields constructor, not Avro's builder, which deep-copies and resolves defaults.
        return new Vote(
                v.getUserId(),
                v.getKind(),
                v.getFeedbackId(),
                v.getFeedbackTime(),
                v.getSettleAt(),
                v.getEverEmitted(),
                v.getEmittedActive(),
                v.getEmittedLabel(),
                v.getFeedbackOffset());
    }

    /** Stages the emission of the example {@code vote} decides, if any. */
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
            staged.add(new Record<>(decision.getExampleId(), Emission.data(decision), now));
        });
    }

    /**
     * What a state weighs in the object cache: its serialized size counting three bytes per character, plus a slot's
     * keeping (the map entry, the key and the object headers), which is all a known absence costs.
     */
    public static long cacheWeight(KtoResponseState state) {
        return CACHE_SLOT_BYTES + (state == null ? 0 : KtoStateSize.upperBound(state));
    }

    /**
     * Whether {@code state}'s changelog record (key and value) stays within {@code kto.max.state.bytes}: its upper
     * bound ({@link KtoStateSize}), which also weighs it for the object cache, when it does; -1 when it does not.
     */
    private long sizeWithin(KtoResponseState state) {
        long max = config.maxStateBytes() - AvroSize.utf8Length(state.getResponseId());
        // The cheap upper bound settles almost every state; only one near the bound is measured exactly.
        long bound = KtoStateSize.upperBound(state);
        return bound <= max || AvroSize.exact(state) <= max ? bound : -1;
    }

    private void stage(long time, String tag) {
        stagedSchedule.add(new Due(time, tag));
    }

    /** Sends what the accepted record emits and adds its deadlines to the schedule. */
    private void flushStaged() {
        for (Record<String, Emission<KtoDecision>> r : staged) {
            context.forward(r);
        }
        for (Due due : stagedSchedule) {
            schedule.add(due.time(), due.tag());
        }
        staged.clear();
        stagedSchedule.clear();
    }

    /** Dead-letters {@code sourced}, which would break a bound of its response's state; nothing staged is sent. */
    private void reject(Sourced<?> sourced, DeadLetterReason reason, String detail, long policyVersion, long now) {
        staged.clear();
        stagedSchedule.clear();
        log.debug(
                "Dead-lettering {}-{}@{}: {} {}",
                sourced.topic(),
                sourced.partition(),
                sourced.offset(),
                reason,
                detail);
        String key = sourced.rawKey() == null ? null : new String(sourced.rawKey(), StandardCharsets.UTF_8);
        Emission.forwardDead(
                context,
                key,
                sourced.rawKey(),
                DeadLetters.of(
                        reason,
                        DeadLetters.VALIDATION,
                        detail,
                        sourced.topic(),
                        sourced.partition(),
                        sourced.offset(),
                        sourced.rawKey(),
                        sourced.rawValue(),
                        context.currentSystemTimeMs()),
                policyVersion,
                now);
    }

    /** Dead-letters an erased user's record with its coordinates only: no key or value bytes, no user id. */
    private void refuseErased(Sourced<?> sourced, String detail, long now) {
        // Keyed by the record's key (a response id, not personal) for routing; the letter itself keeps no bytes.
        String key = sourced.rawKey() == null ? null : new String(sourced.rawKey(), StandardCharsets.UTF_8);
        Emission.forwardDead(
                context,
                key,
                null,
                DeadLetters.of(
                        DeadLetterReason.USER_ERASED,
                        DeadLetters.VALIDATION,
                        detail,
                        sourced.topic(),
                        sourced.partition(),
                        sourced.offset(),
                        null,
                        null,
                        context.currentSystemTimeMs()),
                -1L,
                now);
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
        if (!expiring.isEmpty()
                && (Math.max(expiringUntil, expiresAt) - Math.min(expiringFrom, expiresAt) > interval
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
        schedule.add(
                expiringUntil,
                ScheduleIndex.tag("E", expiring.get(0)),
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
        // Settling only shrinks a state (the settle time is cleared), so no bound is checked here.
        for (Vote vote : state.getVotes()) {
            if (vote.getUserId().equals(userId) && vote.getSettleAt() == dueAt) {
                if (erased.contains(userId)
                        || erased.contains(state.getResponse().getUserId())) {
                    // The next erasure scan drops the vote (and cancels what it emitted before).
                    return;
                }
                decide(state, vote, now);
                flushStaged();
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
                Emission.forwardDead(
                        context,
                        state.getResponseId(),
                        DeadLetters.toBytes(p.getRawKey()),
                        DeadLetters.of(
                                DeadLetterReason.RESPONSE_NOT_FOUND,
                                "feedback " + p.getFeedbackId()
                                        + " names response " + state.getResponseId()
                                        + ", which did not arrive within kto.early.feedback.buffer or has expired",
                                p.getOffset(),
                                p.getRawKey(),
                                p.getRawValue(),
                                context.currentSystemTimeMs()),
                        -1L,
                        now);
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
        return state != null && !isExpired(state, now)
                ? state
                : new KtoResponseState(responseId, null, List.of(), List.of(), List.of(), -1L);
    }

    /** The parts of a response kept in state and repartition topics. */
    public static ResponseSnapshot snapshot(Sourced<ResponseGenerated> sourced) {
        ResponseGenerated r = sourced.value();
        // Setters, not Avro's builder (which resolves defaults on every build): every field is set here.
        ResponseSnapshot s = new ResponseSnapshot();
        s.setResponseId(r.getResponseId());
        s.setPromptId(r.getPromptId());
        s.setPrompt(r.getPrompt());
        s.setCompletion(r.getCompletion());
        s.setPolicyVersion(r.getPolicyVersion());
        s.setRollout(r.getSource() == ResponseSource.SAMPLED_ROLLOUT);
        s.setTask(r.getTask());
        s.setEventTime(r.getEventTime().toEpochMilli());
        s.setOffset(sourced.sourceOffset());
        s.setTruncated(r.getTruncated());
        s.setUserId(r.getUserId());
        return s;
    }
}
