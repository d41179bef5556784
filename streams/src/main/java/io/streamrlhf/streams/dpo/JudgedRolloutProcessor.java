package io.streamrlhf.streams.dpo;

import io.streamrlhf.avro.DpoPair;
import io.streamrlhf.avro.JudgeVerdict;
import io.streamrlhf.avro.PairSource;
import io.streamrlhf.avro.Prompt;
import io.streamrlhf.streams.avro.MonitorEvent;
import io.streamrlhf.streams.avro.MonitorKind;
import io.streamrlhf.streams.avro.PromptSnapshot;
import io.streamrlhf.streams.avro.ResponseSnapshot;
import io.streamrlhf.streams.avro.RolloutGroup;
import io.streamrlhf.streams.common.AvroSize;
import io.streamrlhf.streams.common.Emission;
import io.streamrlhf.streams.common.Ids;
import io.streamrlhf.streams.common.ScheduleIndex;
import io.streamrlhf.streams.common.Sourced;
import io.streamrlhf.streams.config.DpoConfig;
import io.streamrlhf.streams.deadletter.DeadLetterReason;
import io.streamrlhf.streams.deadletter.DeadLetters;
import io.streamrlhf.streams.judge.JudgeInput;
import io.streamrlhf.streams.judge.JudgeMixture;
import io.streamrlhf.streams.judge.PairSelector;
import io.streamrlhf.streams.judge.ScoredRollout;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Judged rollouts (online DPO with AI feedback): sampled rollouts are grouped per (prompt, policy version) until
 * {@code dpo.rollout.group.size} arrive or {@code dpo.rollout.window} of stream time passes since the first; then every
 * rollout is judged by the {@link JudgeMixture} (verdicts are emitted) and {@link PairSelector} picks chosen and
 * rejected; a group whose rollouts are all the chosen one's completion makes no pair ({@code pairsIdentical} in the
 * monitor), nor, with {@code dpo.pair.ties=false}, one whose rejected rollout ties with the chosen one
 * ({@code groupsTied}). The prompt's
 * reference answer and task come from the prompts topic when the prompt arrived; without it
 * the exact-answer judge does not apply and the rollout's own task is used. A rollout that arrives after its group
 * closed is judged alone (verdict, no pair). Pair id: derived from prompt id, version, chosen and rejected ids.
 *
 * <p>Bounded state: a group holds at most {@code dpo.rollout.group.size} rollouts and its state record at most
 * {@code dpo.max.state.bytes}, checked before the store is written; the rollout that would break the bytes bound is
 * dead-lettered as {@code ROLLOUT_GROUP_LIMIT} and the stored group stays as it was.
 */
public final class JudgedRolloutProcessor implements Processor<String, DpoInput, String, Emission<JudgeOutcome>> {

    /** Open and recently closed rollout groups by prompt id and version. */
    public static final String GROUPS_STORE = "dpo-rollout-groups";
    /** Prompts by prompt id. */
    public static final String PROMPTS_STORE = "dpo-judge-prompts";
    /** The stream-time schedule. */
    public static final String SCHEDULE_STORE = "dpo-judge-schedule";

    private static final Logger log = LoggerFactory.getLogger(JudgedRolloutProcessor.class);

    private final DpoConfig config;
    private final JudgeMixture judges;
    private final PairSelector selector;
    private ProcessorContext<String, Emission<JudgeOutcome>> context;
    private KeyValueStore<String, RolloutGroup> groups;
    private KeyValueStore<String, PromptSnapshot> prompts;
    private ScheduleIndex schedule;

    public JudgedRolloutProcessor(DpoConfig config, JudgeMixture judges) {
        this.config = config;
        this.judges = judges;
        this.selector = new PairSelector(config.rho(), config.pairTies());
    }

    @Override
    public void init(ProcessorContext<String, Emission<JudgeOutcome>> context) {
        this.context = context;
        this.groups = context.getStateStore(GROUPS_STORE);
        this.prompts = context.getStateStore(PROMPTS_STORE);
        this.schedule = new ScheduleIndex(context.getStateStore(SCHEDULE_STORE));
        context.schedule(config.punctuateInterval(), PunctuationType.STREAM_TIME, this::punctuate);
    }

    @Override
    public void process(Record<String, DpoInput> record) {
        long now = record.timestamp();
        if (record.value().prompt() != null) {
            onPrompt(record.value().prompt(), now);
        } else if (record.value().response() != null
                && record.value().response().getRollout()) {
            onRollout(record.value().response(), now);
        }
    }

    private void onPrompt(Sourced<Prompt> sourced, long now) {
        Prompt p = sourced.value();
        prompts.put(
                p.getPromptId(),
                PromptSnapshot.newBuilder()
                        .setPromptId(p.getPromptId())
                        .setText(p.getText())
                        .setTask(p.getTask())
                        .setReferenceAnswer(p.getReferenceAnswer())
                        .setEventTime(now)
                        .build());
        schedule.add(now + config.responseRetention().toMillis(), ScheduleIndex.tag("P", p.getPromptId()));
    }

    private void onRollout(ResponseSnapshot r, long now) {
        String key = ScheduleIndex.tag(r.getPromptId(), Long.toString(r.getPolicyVersion()));
        RolloutGroup group = groups.get(key);
        if (group == null) {
            group = RolloutGroup.newBuilder()
                    .setPromptId(r.getPromptId())
                    .setPolicyVersion(r.getPolicyVersion())
                    .setRollouts(new ArrayList<>())
                    .setOpenedAt(now)
                    .setClosed(false)
                    .setClosedAt(-1)
                    .build();
            schedule.add(now + config.rolloutWindow().toMillis(), ScheduleIndex.tag("C", key));
        }
        if (group.getRollouts().stream().anyMatch(x -> x.getResponseId().equals(r.getResponseId()))) {
            return;
        }
        if (group.getClosed()) {
            log.debug("Rollout {} arrived after group {} closed; judged alone", r.getResponseId(), key);
            judgeAll(List.of(r), prompts.get(r.getPromptId()), now);
            return;
        }
        List<ResponseSnapshot> rollouts = new ArrayList<>(group.getRollouts());
        rollouts.add(r);
        // The store hands out copies (it serializes), so changing this one leaves the stored group as it was.
        group.setRollouts(rollouts);
        if (!AvroSize.fits(group, config.maxStateBytes() - AvroSize.utf8Length(key))) {
            reject(
                    r,
                    "rollout " + r.getResponseId() + " would make rollout group " + key
                            + " larger than dpo.max.state.bytes=" + config.maxStateBytes() + " bytes",
                    now);
            return;
        }
        if (rollouts.size() >= config.rolloutGroupSize()) {
            close(key, group, now);
        } else {
            groups.put(key, group);
        }
    }

    /**
     * Dead-letters a rollout its group cannot take, at its coordinates in the responses topic (the response id is
     * that record's key; its bytes are not at hand after the repartition). It is neither judged nor paired.
     */
    private void reject(ResponseSnapshot r, String detail, long now) {
        log.debug("Rollout {} not judged: {}", r.getResponseId(), detail);
        ByteBuffer key = ByteBuffer.wrap(r.getResponseId().getBytes(StandardCharsets.UTF_8));
        Emission.forwardDead(
                context,
                r.getPromptId(),
                DeadLetters.toBytes(key),
                DeadLetters.of(
                        DeadLetterReason.ROLLOUT_GROUP_LIMIT,
                        detail,
                        r.getOffset(),
                        key,
                        null,
                        context.currentSystemTimeMs()),
                r.getPolicyVersion(),
                now);
    }

    private void close(String key, RolloutGroup group, long now) {
        List<ResponseSnapshot> rollouts = new ArrayList<>(group.getRollouts());
        rollouts.sort(Comparator.comparing(ResponseSnapshot::getResponseId));
        PromptSnapshot prompt = prompts.get(group.getPromptId());
        Map<String, JudgeVerdict> verdicts = judgeAll(rollouts, prompt, now);
        List<ScoredRollout> scored = rollouts.stream()
                .map(r -> {
                    JudgeVerdict v = verdicts.get(r.getResponseId());
                    return new ScoredRollout(
                            r.getResponseId(),
                            r.getCompletion().length(),
                            v.getScore(),
                            v.getPassedAll(),
                            r.getCompletion(),
                            r.getTruncated());
                })
                .toList();
        PairSelector.Selection selection = selector.select(scored);
        switch (selection.outcome()) {
            case PAIR -> {
                ResponseSnapshot chosen =
                        find(rollouts, selection.chosen().orElseThrow().responseId());
                ResponseSnapshot rejected =
                        find(rollouts, selection.rejected().orElseThrow().responseId());
                DpoPair pair = DpoPairs.of(
                        Ids.dpoPair(
                                "JUDGE",
                                group.getPromptId(),
                                Long.toString(group.getPolicyVersion()),
                                chosen.getResponseId(),
                                rejected.getResponseId()),
                        group.getPromptId(),
                        chosen.getPrompt(),
                        ExplicitPairProcessor.side(chosen),
                        ExplicitPairProcessor.side(rejected),
                        PairSource.JUDGE,
                        verdicts.get(chosen.getResponseId()).getScores(),
                        verdicts.get(rejected.getResponseId()).getScores(),
                        decidedAt(rollouts, now));
                // Sampled rollouts are written for no user, so this is empty unless a rollout names one.
                pair.setUserIds(ExplicitPairProcessor.userIds(chosen.getUserId(), rejected.getUserId()));
                context.forward(new Record<>(pair.getPairId(), Emission.data(JudgeOutcome.of(pair)), now));
            }
            case NO_PASSING -> {
                log.debug("No rollout of {} passed every judge; no pair", key);
                forwardMonitor(group, MonitorKind.GROUP_NO_PASS, rollouts.size(), now);
            }
            case TOO_FEW -> log.debug("Group {} closed with {} rollout(s); no pair", key, rollouts.size());
            case IDENTICAL -> {
                log.debug("Every rollout of {} has the chosen one's completion; no pair", key);
                forwardMonitor(group, MonitorKind.PAIR_IDENTICAL, rollouts.size(), now);
            }
            case TIED -> {
                log.debug("The rejected rollout of {} tied with the chosen one; no pair", key);
                forwardMonitor(group, MonitorKind.GROUP_TIED, rollouts.size(), now);
            }
            default -> throw new IllegalStateException("Unknown outcome " + selection.outcome());
        }
        group.setClosed(true);
        group.setClosedAt(now);
        // Keep only the ids of a closed group: enough to drop redeliveries and to judge late rollouts alone.
        group.setRollouts(rollouts.stream()
                .map(r -> ResponseSnapshot.newBuilder(r)
                        .setPrompt("")
                        .setCompletion("")
                        .build())
                .toList());
        groups.put(key, group);
        schedule.add(now + config.rolloutWindow().toMillis(), ScheduleIndex.tag("X", key));
    }

    /** Counts a group that closed without a pair, in the monitor, under its version. */
    private void forwardMonitor(RolloutGroup group, MonitorKind kind, int rollouts, long now) {
        context.forward(new Record<>(
                group.getPromptId(),
                Emission.monitor(new MonitorEvent(group.getPolicyVersion(), kind, (double) rollouts)),
                now));
    }

    /**
     * The pair's event time: the latest event time among the group's rollouts, a function of the group alone. The
     * stream time at which the group closed is not: with the responses topic in several partitions the rollouts
     * reach the group through the repartition in an order that differs from run to run, so a replay would write the
     * same pair with another time.
     */
    static long decidedAt(List<ResponseSnapshot> rollouts, long fallback) {
        return rollouts.stream().mapToLong(ResponseSnapshot::getEventTime).max().orElse(fallback);
    }

    private Map<String, JudgeVerdict> judgeAll(List<ResponseSnapshot> rollouts, PromptSnapshot prompt, long now) {
        Map<String, JudgeVerdict> out = new HashMap<>();
        for (ResponseSnapshot r : rollouts) {
            String task = prompt != null && prompt.getTask() != null ? prompt.getTask() : r.getTask();
            JudgeMixture.Verdict v = judges.judge(new JudgeInput(
                    r.getPrompt(),
                    r.getCompletion(),
                    task,
                    prompt == null ? null : prompt.getReferenceAnswer(),
                    r.getTruncated()));
            JudgeVerdict verdict = JudgeVerdict.newBuilder()
                    .setResponseId(r.getResponseId())
                    .setPromptId(r.getPromptId())
                    .setPolicyVersion(r.getPolicyVersion())
                    .setPassedAll(v.passedAll())
                    .setScore(v.score())
                    .setScores(v.scores())
                    .setCompletionLength(r.getCompletion().length())
                    .setEventTime(Instant.ofEpochMilli(r.getEventTime()))
                    .build();
            out.put(r.getResponseId(), verdict);
            context.forward(new Record<>(r.getResponseId(), Emission.data(JudgeOutcome.of(verdict)), now));
        }
        return out;
    }

    private void punctuate(long now) {
        for (ScheduleIndex.Entry entry : schedule.pollDue(now)) {
            String[] parts = ScheduleIndex.parts(entry.tag());
            switch (parts[0]) {
                case "C" -> {
                    String key = ScheduleIndex.tag(parts[1], parts[2]);
                    RolloutGroup group = groups.get(key);
                    if (group != null && !group.getClosed()) {
                        close(key, group, now);
                    }
                }
                case "X" -> groups.delete(ScheduleIndex.tag(parts[1], parts[2]));
                case "P" -> {
                    PromptSnapshot p = prompts.get(parts[1]);
                    if (p != null
                            && p.getEventTime() + config.responseRetention().toMillis() <= now) {
                        prompts.delete(parts[1]);
                    }
                }
                default -> {
                    // Entries of a newer version of this processor; nothing to do.
                }
            }
        }
    }

    private static ResponseSnapshot find(List<ResponseSnapshot> rollouts, String responseId) {
        return rollouts.stream()
                .filter(r -> r.getResponseId().equals(responseId))
                .findFirst()
                .orElseThrow();
    }
}
