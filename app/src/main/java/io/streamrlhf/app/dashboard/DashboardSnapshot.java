package io.streamrlhf.app.dashboard;

import io.streamrlhf.schemas.monitor.VersionStats;
import io.streamrlhf.schemas.topic.TopicNames;
import java.util.List;
import java.util.Map;

/**
 * Everything the page shows, as one JSON document ({@code GET /api/state}, and each {@code snapshot} event on
 * {@code GET /api/events}). Series are lists of {@code [x, y]} pairs; times are epoch milliseconds.
 *
 * @param revision increases with every change
 * @param serverTime when this snapshot was taken
 * @param topics the topic names, so the page can label rates by role
 * @param sources health of each input of the dashboard
 * @param versions published policy versions, oldest first
 * @param trainer training metrics by step
 * @param activity event rates per topic and consumer lag per group
 * @param deadLetters dead-letter counts and the most recent ones
 * @param monitor the streams version monitor's figures
 * @param canary canary decisions per model id (lane) and the most recent decisions, from the decisions topic
 */
public record DashboardSnapshot(
        long revision,
        long serverTime,
        TopicNames topics,
        Sources sources,
        List<VersionView> versions,
        TrainerView trainer,
        ActivityView activity,
        DeadLetterView deadLetters,
        MonitorView monitor,
        CanaryView canary) {

    /**
     * Health of the inputs.
     *
     * @param kafka {@code connecting}, {@code ok} or {@code error}
     * @param kafkaError the last Kafka error, or null
     * @param bootstrapServers the cluster read
     * @param undecodable records on the dashboard's topics that could not be decoded
     */
    public record Sources(String kafka, String kafkaError, String bootstrapServers, long undecodable) {}

    /**
     * One published policy version.
     *
     * @param modelId model family
     * @param version version number
     * @param parentVersion the version it was trained from, or null
     * @param createdTime when it was published
     * @param examples examples absorbed since the parent (from its metrics, else counted from its lineage)
     * @param status lifecycle status
     * @param metrics summary metrics published with it
     * @param sha256 checkpoint hash
     * @param checkpointUri checkpoint location
     * @param sizeBytes checkpoint size
     */
    public record VersionView(
            String modelId,
            long version,
            Long parentVersion,
            long createdTime,
            long examples,
            String status,
            Map<String, Double> metrics,
            String sha256,
            String checkpointUri,
            long sizeBytes) {}

    /**
     * Training metrics.
     *
     * @param modelId model family of the latest step, or null before the first
     * @param step the latest step, -1 before the first
     * @param policyVersion the version being trained at that step
     * @param time when that step finished
     * @param latest the latest value of every metric
     * @param series every metric by step
     */
    public record TrainerView(
            String modelId,
            long step,
            long policyVersion,
            long time,
            Map<String, Double> latest,
            Map<String, List<double[]>> series) {}

    /**
     * Event rates and lag.
     *
     * @param status {@code waiting}, {@code ok} or {@code error}
     * @param error the last polling error, or null
     * @param rates events per second per topic over time
     * @param endOffsets the latest end offset total per topic
     * @param lag consumer lag per group
     */
    public record ActivityView(
            String status,
            String error,
            Map<String, List<double[]>> rates,
            Map<String, Long> endOffsets,
            Map<String, GroupLag> lag) {}

    /**
     * Lag of one consumer group.
     *
     * @param total records behind over all its partitions
     * @param byTopic records behind per topic
     * @param history total lag over time
     */
    public record GroupLag(long total, Map<String, Long> byTopic, List<double[]> history) {}

    /**
     * Dead letters.
     *
     * @param total how many were seen
     * @param byReason counts per source topic and error class, largest first
     * @param perMinute counts per minute of dead-lettering time
     * @param recent the newest ones, newest first
     */
    public record DeadLetterView(
            long total, List<ReasonCount> byReason, List<double[]> perMinute, List<RecentDeadLetter> recent) {}

    /**
     * A count of dead letters with one source and error class.
     *
     * @param topic source topic
     * @param errorClass error class or rule
     * @param count how many
     */
    public record ReasonCount(String topic, String errorClass, long count) {}

    /**
     * One dead letter, without its payload.
     *
     * @param time when it was dead-lettered
     * @param topic source topic
     * @param partition source partition
     * @param offset source offset
     * @param errorClass error class or rule
     * @param reason why, shortened
     */
    public record RecentDeadLetter(
            long time, String topic, int partition, long offset, String errorClass, String reason) {}

    /**
     * The streams version monitor's figures.
     *
     * @param url where they come from, or null when no monitor is configured
     * @param status {@code disabled}, {@code waiting}, {@code ok} or {@code error}
     * @param error the last error reaching or reading it, or null
     * @param fetchedTime when they were last read successfully, 0 if never
     * @param versions figures per policy version, by version
     * @param minutes figures per policy version and minute, by minute
     */
    public record MonitorView(
            String url,
            String status,
            String error,
            long fetchedTime,
            List<MonitorStats> versions,
            List<MonitorStats> minutes) {}

    /**
     * The monitor's figures for one policy version, over its whole life or over one minute.
     *
     * @param version policy version
     * @param minute start of the minute (epoch ms), or null for the whole life
     * @param responses responses generated
     * @param feedback feedback events
     * @param thumbsUp thumbs up
     * @param thumbsDown thumbs down
     * @param thumbsUpRate thumbs-up share of rated responses, or null
     * @param thumbsUpLow lower end of its Wilson interval, or null
     * @param thumbsUpHigh upper end of its Wilson interval, or null
     * @param judged responses judged
     * @param judgePassRate share of judged responses that passed, or null
     * @param meanLength mean response length, or null
     */
    public record MonitorStats(
            long version,
            Long minute,
            long responses,
            long feedback,
            long thumbsUp,
            long thumbsDown,
            Double thumbsUpRate,
            Double thumbsUpLow,
            Double thumbsUpHigh,
            long judged,
            Double judgePassRate,
            Double meanLength) {

        /** A row of the monitor's per-version totals, as the page shows it. */
        static MonitorStats total(VersionStats s) {
            return of(s, null);
        }

        /** A row of the monitor's per-minute figures: the minute is the row's {@code from}. */
        static MonitorStats minute(VersionStats s) {
            return of(s, s.from());
        }

        private static MonitorStats of(VersionStats s, Long minute) {
            return new MonitorStats(
                    s.policyVersion(),
                    minute,
                    s.responses(),
                    s.feedback(),
                    s.thumbsUp(),
                    s.thumbsDown(),
                    s.thumbsUpRate(),
                    s.thumbsUpLow(),
                    s.thumbsUpHigh(),
                    s.judged(),
                    s.judgePassRate(),
                    s.meanCompletionLength());
        }
    }

    /**
     * The canary panel: one lane per model id, side by side, and the decisions newest first.
     *
     * @param share the configured share of traffic a running canary gets ({@code canary.share})
     * @param lanes one per model id, by model id; a branch {@code <modelId>@<NAME>} has its own
     * @param decisions the most recent decisions, newest first, each with its evidence
     */
    public record CanaryView(double share, List<CanaryLane> lanes, List<CanaryDecisionView> decisions) {}

    /**
     * One model id's versions.
     *
     * @param modelId the model id as on the topics
     * @param baseModelId the model id before {@code @}, or the model id itself
     * @param branch the branch name after {@code @}, or null for a base model
     * @param promoted the version serving all traffic but the canary's share, or null
     * @param canary the running canary, or null
     * @param versions each decided or running version, by version, with its latest decision
     */
    public record CanaryLane(
            String modelId,
            String baseModelId,
            String branch,
            Long promoted,
            Long canary,
            List<CanaryVersionView> versions) {}

    /**
     * A version's canary state: its latest decision.
     *
     * @param version the version
     * @param parentVersion the promoted version it is compared with, or null for a model's first version
     * @param state {@code STARTED} (running), {@code PROMOTED}, {@code ROLLED_BACK} or {@code SUPERSEDED}
     * @param rolledBack whether it was rolled back (highlighted on the page)
     * @param canarySamples thumbs votes on the canary arm at the decision
     * @param parentSamples thumbs votes on the parent arm over the same period
     * @param startedTime when the canary started, epoch ms
     * @param decidedTime when the latest decision was made, epoch ms
     * @param reason the decision's reason
     * @param metrics each metric's statistic against its boundaries at the decision
     * @param live the running canary's latest statistics from the evidence topic; null for a decided version, or
     *     before the controller published any (added after the first release of this document: readers treat a
     *     missing field as null)
     */
    public record CanaryVersionView(
            long version,
            Long parentVersion,
            String state,
            boolean rolledBack,
            long canarySamples,
            long parentSamples,
            long startedTime,
            long decidedTime,
            String reason,
            List<CanaryMetricView> metrics,
            CanaryLiveView live) {}

    /**
     * A running canary's statistics as the controller last published them ({@code CanaryEvidence}), at most
     * {@code canary.evidence.interval} old while its counts change.
     *
     * @param canarySamples thumbs votes on the canary so far
     * @param parentSamples thumbs votes on the parent over the same period
     * @param observedTime event time of the newest observation counted, epoch ms
     * @param publishedTime when the controller published them (wall clock), epoch ms
     * @param metrics each metric's statistic against its boundaries now; verdicts {@code OPEN} or {@code SAFE}
     */
    public record CanaryLiveView(
            long canarySamples,
            long parentSamples,
            long observedTime,
            long publishedTime,
            List<CanaryMetricView> metrics) {}

    /**
     * One decision with its evidence.
     *
     * @param decisionId its deterministic id {@code <model>/<version>/<outcome>}
     * @param modelId model id
     * @param version the version decided
     * @param parentVersion the promoted version compared against, or null
     * @param outcome {@code STARTED}, {@code PROMOTED}, {@code ROLLED_BACK} or {@code SUPERSEDED}
     * @param rolledBack whether the outcome is a rollback
     * @param reason why
     * @param canarySamples thumbs votes on the canary arm
     * @param parentSamples thumbs votes on the parent arm
     * @param alpha the test's family-wise error
     * @param decidedTime when, epoch ms (event time)
     * @param metrics the statistics behind it
     */
    public record CanaryDecisionView(
            String decisionId,
            String modelId,
            long version,
            Long parentVersion,
            String outcome,
            boolean rolledBack,
            String reason,
            long canarySamples,
            long parentSamples,
            double alpha,
            long decidedTime,
            List<CanaryMetricView> metrics) {}

    /**
     * One metric's statistic: the confidence interval of canary rate minus parent rate against its boundaries.
     *
     * @param metric {@code thumbs-up} or {@code judge:<id>}
     * @param canaryHits thumbs up (or judge failures) on the canary
     * @param canaryTrials observations on the canary
     * @param parentHits hits on the parent
     * @param parentTrials observations on the parent
     * @param differenceLow lower end of the difference's interval
     * @param differenceHigh upper end
     * @param harmBoundary beyond it the canary is worse (thumbs: upper end below it; judges: lower end above it)
     * @param safeBoundary within it the canary is shown safe (thumbs: lower end above; judges: upper end below)
     * @param alpha the error spent on this metric
     * @param verdict {@code OPEN}, {@code SAFE} or {@code HARM}
     */
    public record CanaryMetricView(
            String metric,
            long canaryHits,
            long canaryTrials,
            long parentHits,
            long parentTrials,
            double differenceLow,
            double differenceHigh,
            double harmBoundary,
            double safeBoundary,
            double alpha,
            String verdict) {}
}
