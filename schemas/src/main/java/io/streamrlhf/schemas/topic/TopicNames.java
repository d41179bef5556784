package io.streamrlhf.schemas.topic;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * The names of every StreamRLHF topic, defaulting to those in ARCHITECTURE.md.
 *
 * @param responses {@code ResponseGenerated} by response id
 * @param feedback {@code Feedback} by response id
 * @param preferences {@code PairwisePreference} by prompt id
 * @param prompts {@code Prompt} by prompt id
 * @param judgeVerdicts {@code JudgeVerdict} by response id
 * @param ktoExamples {@code KtoExample} by example id
 * @param dpoPairs {@code DpoPair} by pair id
 * @param policyVersions {@code PolicyVersion} by model id
 * @param trainerMetrics {@code TrainerMetrics} by model id
 * @param deadLetters {@code DeadLetter} by original key
 * @param schemas the schema registry's own log (compacted)
 * @param erasures {@code UserErased} by user id (compacted: the erased ids are kept for good)
 * @param policyDecisions {@code CanaryDecision} by model id
 * @param policyCheckpoints {@code CheckpointChunk} by {@code modelId/version/file/chunk} (compacted): the kafka
 *     checkpoint store's versions
 * @param erasureReports {@code ErasureReport} by user id (compacted: the latest report per user)
 * @param canaryEvidence {@code CanaryEvidence} by model id (compacted, short retention): a running canary's current
 *     statistics
 */
public record TopicNames(
        String responses,
        String feedback,
        String preferences,
        String prompts,
        String judgeVerdicts,
        String ktoExamples,
        String dpoPairs,
        String policyVersions,
        String trainerMetrics,
        String deadLetters,
        String schemas,
        String erasures,
        String policyDecisions,
        String policyCheckpoints,
        String erasureReports,
        String canaryEvidence) {

    public TopicNames {
        for (String name : List.of(
                responses,
                feedback,
                preferences,
                prompts,
                judgeVerdicts,
                ktoExamples,
                dpoPairs,
                policyVersions,
                trainerMetrics,
                deadLetters,
                schemas,
                erasures,
                policyDecisions,
                policyCheckpoints,
                erasureReports,
                canaryEvidence)) {
            Objects.requireNonNull(name, "topic name");
            if (!name.matches("[a-zA-Z0-9._-]{1,249}")) {
                throw new IllegalArgumentException(
                        "Invalid topic name '" + name + "': use 1-249 characters from [a-zA-Z0-9._-]");
            }
        }
    }

    /** The default names. */
    public static TopicNames defaults() {
        return new TopicNames(
                "rlhf.responses",
                "rlhf.feedback",
                "rlhf.preferences",
                "rlhf.prompts",
                "rlhf.judge.verdicts",
                "rlhf.examples.kto",
                "rlhf.examples.dpo",
                "rlhf.policy.versions",
                "rlhf.trainer.metrics",
                "rlhf.dead-letters",
                "_rlhf.schemas",
                "rlhf.erasures",
                "rlhf.policy.decisions",
                "rlhf.policy.checkpoints",
                "rlhf.erasure.reports",
                "rlhf.policy.canary.evidence");
    }

    /** Every name with {@code prefix} prepended: unique topics per test or per tenant. */
    public TopicNames withPrefix(String prefix) {
        return map(n -> prefix + n);
    }

    /**
     * The defaults, each overridden by {@code topic.<field>} in {@code props} where present
     * (for example {@code topic.feedback=prod.feedback}); keys in {@link TopicSettings}.
     */
    public static TopicNames fromProperties(Map<String, String> props) {
        return new TopicNames(
                TopicSettings.RESPONSES.get(props),
                TopicSettings.FEEDBACK.get(props),
                TopicSettings.PREFERENCES.get(props),
                TopicSettings.PROMPTS.get(props),
                TopicSettings.JUDGE_VERDICTS.get(props),
                TopicSettings.KTO_EXAMPLES.get(props),
                TopicSettings.DPO_PAIRS.get(props),
                TopicSettings.POLICY_VERSIONS.get(props),
                TopicSettings.TRAINER_METRICS.get(props),
                TopicSettings.DEAD_LETTERS.get(props),
                TopicSettings.SCHEMAS.get(props),
                TopicSettings.ERASURES.get(props),
                TopicSettings.POLICY_DECISIONS.get(props),
                TopicSettings.POLICY_CHECKPOINTS.get(props),
                TopicSettings.ERASURE_REPORTS.get(props),
                TopicSettings.CANARY_EVIDENCE.get(props));
    }

    /**
     * The names a replay into {@code branch} writes to: the streams' outputs (verdicts, KTO examples, DPO pairs,
     * dead letters, canary decisions and evidence) under {@link #branchPrefix}, everything else (the inputs it reads, the
     * versions and metrics its trainer publishes, the erasures, the registry's log) as here.
     */
    public TopicNames branch(String branch) {
        String p = branchPrefix(branch);
        return new TopicNames(
                responses,
                feedback,
                preferences,
                prompts,
                p + "judge.verdicts",
                p + "kto.examples",
                p + "dpo.pairs",
                policyVersions,
                trainerMetrics,
                p + "dead-letters",
                schemas,
                erasures,
                p + "policy.decisions",
                policyCheckpoints,
                erasureReports,
                p + "canary.evidence");
    }

    /** The streams monitor's events topic of replay branch {@code branch}. */
    public static String branchMonitorEvents(String branch) {
        return branchPrefix(branch) + "monitor.events";
    }

    /** {@code rlhf.branch.<branch>.}, the prefix of every topic of a replay branch. */
    public static String branchPrefix(String branch) {
        return "rlhf.branch." + requireBranchName(branch) + ".";
    }

    /**
     * {@code branch} when it is a valid branch name: 1-64 characters from {@code [A-Za-z0-9_-]} (no dot, so a
     * branch's topics never share a prefix with another branch's).
     */
    public static String requireBranchName(String branch) {
        if (branch == null || !branch.matches("[A-Za-z0-9_-]{1,64}")) {
            throw new IllegalArgumentException(
                    "Invalid branch name '" + branch + "': use 1-64 characters from [A-Za-z0-9_-]");
        }
        return branch;
    }

    private TopicNames map(UnaryOperator<String> f) {
        return new TopicNames(
                f.apply(responses),
                f.apply(feedback),
                f.apply(preferences),
                f.apply(prompts),
                f.apply(judgeVerdicts),
                f.apply(ktoExamples),
                f.apply(dpoPairs),
                f.apply(policyVersions),
                f.apply(trainerMetrics),
                f.apply(deadLetters),
                f.apply(schemas),
                f.apply(erasures),
                f.apply(policyDecisions),
                f.apply(policyCheckpoints),
                f.apply(erasureReports),
                f.apply(canaryEvidence));
    }
}
