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
        MonitorView monitor) {

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
}
