package io.streamrlhf.streams.replay;

import io.streamrlhf.schemas.topic.TopicNames;
import io.streamrlhf.schemas.topic.Topics;
import io.streamrlhf.streams.app.StreamRlhfTopology;
import io.streamrlhf.streams.app.StreamsApp;
import io.streamrlhf.streams.common.StreamSerdes;
import io.streamrlhf.streams.config.StreamsAppConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@link StreamRlhfTopology} once over a bounded range of the retained event topics, as its own Kafka Streams
 * application, and stops by itself.
 *
 * <p>Before the start it takes each event partition's end offset (the last stable offset), which bounds the replay,
 * and commits the start offsets to the application's (new) consumer group, so Kafka Streams begins there. It then
 * polls the group's committed offsets until every event partition reached its end offset and every repartition
 * topic of the application is consumed to its end: Kafka Streams commits input offsets in the same transaction as
 * the outputs they caused, so the outputs are committed then. The prompts topic is read from its earliest retained
 * offset whatever the start: prompts are reference data (the exact-answer judge's reference answers), not events.
 *
 * <p>Time: every deadline of the topology runs on stream time, so the replay decides what the live application
 * decided from the same records, except where the live one's merge of two inputs depended on when records arrived.
 * Here every input is already on the broker; to keep the merge by timestamp also across a repartition hop (whose
 * records are written while the replay runs) a task waits up to {@value #TASK_IDLE_MS} ms for an empty input
 * partition ({@code max.task.idle.ms}; the live application waits 0 for the sake of latency). Votes, rollout groups
 * and pairs still waiting for their settle delay or window when the range ends are not emitted, as the live
 * application would not yet have emitted them.
 */
public final class BoundedReplay {

    /** How long a replay task waits for data on an empty input partition before it processes the others. */
    public static final long TASK_IDLE_MS = 2_000;

    private static final Logger log = LoggerFactory.getLogger(BoundedReplay.class);
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration POLL = Duration.ofMillis(250);

    /**
     * What a replay read.
     *
     * @param start the first offset read per event partition
     * @param end the end offset per event partition (exclusive), taken when the replay started
     * @param took how long the replay ran
     */
    public record Result(Map<TopicPartition, Long> start, Map<TopicPartition, Long> end, Duration took) {
        public Result {
            start = Map.copyOf(start);
            end = Map.copyOf(end);
        }

        /** Offsets read on {@code topic}, over all its partitions (records plus any transaction markers). */
        public long offsetsRead(String topic) {
            long n = 0;
            for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
                if (e.getKey().topic().equals(topic)) {
                    n += Math.max(0, e.getValue() - start.getOrDefault(e.getKey(), e.getValue()));
                }
            }
            return n;
        }
    }

    private final StreamsAppConfig config;

    /**
     * @param config the branch's streams configuration: its own application id and output topics (the outputs must
     *     exist), the canary controller off and no monitor endpoint
     */
    public BoundedReplay(StreamsAppConfig config) {
        if (config.settings().canary().enabled()) {
            throw new IllegalArgumentException("a replay must not run the canary controller: set canary.enabled=false");
        }
        this.config = config;
    }

    /** The Kafka Streams properties of the replay: the application's, with {@link #TASK_IDLE_MS} unless set. */
    public static Properties streamsProperties(StreamsAppConfig config) {
        Properties p = StreamsApp.streamsProperties(config);
        p.putIfAbsent(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, TASK_IDLE_MS);
        return p;
    }

    /**
     * Replays from {@code start} to the end offsets as of now; blocks until done.
     *
     * @param timeout how long the replay may run
     * @throws IllegalStateException when the application's group already has offsets (the branch was replayed
     *     before: delete its topics and group first), when Kafka Streams fails, or on timeout
     */
    public Result run(ReplayStart start, Duration timeout) throws InterruptedException {
        Instant began = Instant.now();
        Map<String, Object> adminProps = new HashMap<>(config.kafkaOverrides());
        adminProps.keySet().removeIf(k -> !AdminClientConfig.configNames().contains(k));
        adminProps.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        try (Admin admin = Admin.create(adminProps)) {
            String group = config.applicationId();
            Map<TopicPartition, OffsetAndMetadata> existing = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata()
                    .get(60, TimeUnit.SECONDS);
            if (!existing.isEmpty()) {
                throw new IllegalStateException("the replay application " + group + " already has committed offsets:"
                        + " this branch was replayed before; delete its topics and its group first, or choose"
                        + " another branch name");
            }
            TopicNames names = config.topicNames();
            List<TopicPartition> events =
                    partitions(admin, List.of(names.responses(), names.feedback(), names.preferences()));
            List<TopicPartition> prompts = partitions(admin, List.of(names.prompts()));
            Map<TopicPartition, Long> end = new LinkedHashMap<>(endOffsets(admin, events));
            end.putAll(endOffsets(admin, prompts));
            Map<TopicPartition, Long> from = new LinkedHashMap<>(startOffsets(admin, events, start, end));
            from.putAll(offsets(admin, prompts, OffsetSpec.earliest()));
            // Kafka Streams starts a partition of a group without offsets at auto.offset.reset (earliest), so every
            // partition gets its start committed, also one whose range is empty.
            Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
            from.forEach((tp, offset) -> commit.put(tp, new OffsetAndMetadata(offset)));
            admin.alterConsumerGroupOffsets(group, commit).all().get(60, TimeUnit.SECONDS);
            log.info("Replay {} from {} to {}", group, from, end);
            runStreams(admin, from, end, timeout);
            return new Result(from, end, Duration.between(began, Instant.now()));
        } catch (ExecutionException e) {
            throw new IllegalStateException("replay " + config.applicationId() + " failed: " + e.getCause(), e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("replay " + config.applicationId() + ": the broker did not answer", e);
        }
    }

    private void runStreams(
            Admin admin, Map<TopicPartition, Long> from, Map<TopicPartition, Long> end, Duration timeout)
            throws ExecutionException, InterruptedException, TimeoutException {
        StreamSerdes serdes = new StreamSerdes(
                new Topics(config.topicNames(), config.registry()), config.registry(), config.stateStoreType());
        KafkaStreams streams =
                new KafkaStreams(new StreamRlhfTopology(config.settings(), serdes).build(), streamsProperties(config));
        AtomicReference<Throwable> failure = new AtomicReference<>();
        streams.setUncaughtExceptionHandler(e -> {
            failure.compareAndSet(null, e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        // A fresh local state: what an earlier replay of the same name left would not match the new changelogs.
        streams.cleanUp();
        streams.start();
        try {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!done(admin, from, end)) {
                KafkaStreams.State state = streams.state();
                if (failure.get() != null
                        || state == KafkaStreams.State.ERROR
                        || state == KafkaStreams.State.NOT_RUNNING) {
                    throw new IllegalStateException(
                            "replay " + config.applicationId() + ": Kafka Streams went to " + state, failure.get());
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "replay " + config.applicationId() + " did not reach its end offsets within " + timeout);
                }
                Thread.sleep(POLL.toMillis());
            }
        } finally {
            streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                    .withTimeout(Duration.ofSeconds(60)));
            streams.cleanUp();
        }
    }

    /**
     * Whether every event partition and every repartition topic is consumed to its end. The committed offsets are
     * read before the end offsets: a transaction that commits in between raises an end offset past what was read,
     * so a replay still writing is never taken for done.
     */
    private boolean done(Admin admin, Map<TopicPartition, Long> from, Map<TopicPartition, Long> end)
            throws ExecutionException, InterruptedException, TimeoutException {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(config.applicationId())
                .partitionsToOffsetAndMetadata()
                .get(60, TimeUnit.SECONDS);
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            OffsetAndMetadata c = committed.get(e.getKey());
            long position = c == null ? from.get(e.getKey()) : c.offset();
            if (position < e.getValue()) {
                return false;
            }
        }
        String prefix = config.applicationId() + "-";
        List<String> repartitions = admin.listTopics().names().get(60, TimeUnit.SECONDS).stream()
                .filter(t -> t.startsWith(prefix) && t.endsWith("-repartition"))
                .toList();
        if (repartitions.isEmpty()) {
            return true;
        }
        for (Map.Entry<TopicPartition, Long> e :
                endOffsets(admin, partitions(admin, repartitions)).entrySet()) {
            OffsetAndMetadata c = committed.get(e.getKey());
            // Kafka Streams deletes consumed repartition records and commits past the transaction markers.
            if (e.getValue() > 0 && (c == null || c.offset() < e.getValue())) {
                return false;
            }
        }
        return true;
    }

    private static List<TopicPartition> partitions(Admin admin, List<String> topics)
            throws ExecutionException, InterruptedException, TimeoutException {
        Map<String, TopicDescription> descriptions =
                admin.describeTopics(topics).allTopicNames().get(60, TimeUnit.SECONDS);
        List<TopicPartition> out = new ArrayList<>();
        for (String topic : topics) {
            descriptions.get(topic).partitions().forEach(p -> out.add(new TopicPartition(topic, p.partition())));
        }
        return out;
    }

    private static Map<TopicPartition, Long> endOffsets(Admin admin, List<TopicPartition> partitions)
            throws ExecutionException, InterruptedException, TimeoutException {
        return offsets(admin, partitions, OffsetSpec.latest());
    }

    /** Offsets per {@code spec}, read committed (the last stable offset for {@code latest}). */
    private static Map<TopicPartition, Long> offsets(Admin admin, List<TopicPartition> partitions, OffsetSpec spec)
            throws ExecutionException, InterruptedException, TimeoutException {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        partitions.forEach(tp -> request.put(tp, spec));
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> infos = admin.listOffsets(
                        request, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                .all()
                .get(ADMIN_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        Map<TopicPartition, Long> out = new LinkedHashMap<>();
        partitions.forEach(tp -> out.put(tp, infos.get(tp).offset()));
        return out;
    }

    private static Map<TopicPartition, Long> startOffsets(
            Admin admin, List<TopicPartition> partitions, ReplayStart start, Map<TopicPartition, Long> end)
            throws ExecutionException, InterruptedException, TimeoutException {
        Map<TopicPartition, Long> earliest = offsets(admin, partitions, OffsetSpec.earliest());
        Map<TopicPartition, Long> out = new LinkedHashMap<>();
        if (start instanceof ReplayStart.AtTime at) {
            Map<TopicPartition, Long> byTime =
                    offsets(admin, partitions, OffsetSpec.forTimestamp(at.time().toEpochMilli()));
            // -1: no record at or after the time, so nothing of the partition is replayed.
            partitions.forEach(tp -> out.put(tp, byTime.get(tp) < 0 ? end.get(tp) : byTime.get(tp)));
        } else {
            ReplayStart.AtOffsets at = (ReplayStart.AtOffsets) start;
            for (TopicPartition tp : at.offsets().keySet()) {
                if (!partitions.contains(tp)) {
                    throw new IllegalArgumentException(
                            "--from names " + tp + ", which is not a partition of the event topics " + partitions);
                }
            }
            for (TopicPartition tp : partitions) {
                long offset = at.offsets().getOrDefault(tp, earliest.get(tp));
                if (offset < earliest.get(tp)) {
                    throw new IllegalArgumentException("--from " + tp + ":" + offset
                            + " is no longer retained; the earliest retained offset is " + earliest.get(tp));
                }
                out.put(tp, Math.min(offset, end.get(tp)));
            }
        }
        return out;
    }
}
