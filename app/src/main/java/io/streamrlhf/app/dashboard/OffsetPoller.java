package io.streamrlhf.app.dashboard;

import io.streamrlhf.app.dashboard.ActivityLog.OffsetSample;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListGroupsOptions;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One reading of the cluster per call: the end offsets of the StreamRLHF topics (for event rates) and the
 * committed offsets of the watched consumer groups (for lag), through the Admin API. End offsets are read
 * {@code read_committed}, so an idle transactional topic shows no lag for its last commit marker.
 */
final class OffsetPoller {

    private static final Logger log = LoggerFactory.getLogger(OffsetPoller.class);
    private static final long TIMEOUT_S = 10;

    private final Admin admin;
    private final List<String> topics;
    private final List<String> groups;
    private final DashboardState state;
    private final Clock clock;

    /**
     * @param topics topics whose event rates are shown
     * @param groups consumer groups whose lag is shown; empty for every consumer group on the cluster
     */
    OffsetPoller(Admin admin, Collection<String> topics, List<String> groups, DashboardState state, Clock clock) {
        this.admin = admin;
        this.topics = List.copyOf(topics);
        this.groups = List.copyOf(groups);
        this.state = state;
        this.clock = clock;
    }

    /** Takes one reading into the state; failures are reported there, never thrown. */
    void poll() {
        try {
            Map<TopicPartition, Long> ends = endOffsets(partitions());
            Map<String, Map<String, Long>> lag = new TreeMap<>();
            for (String group : groupIds()) {
                Map<TopicPartition, OffsetAndMetadata> committed =
                        get(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata());
                List<TopicPartition> unknown = committed.keySet().stream()
                        .filter(tp -> !ends.containsKey(tp))
                        .toList();
                ends.putAll(endOffsets(unknown));
                Map<String, Long> byTopic = new TreeMap<>();
                committed.forEach((tp, om) -> {
                    Long end = ends.get(tp);
                    if (om != null && end != null) {
                        byTopic.merge(tp.topic(), Math.max(0, end - om.offset()), Long::sum);
                    }
                });
                lag.put(group, byTopic);
            }
            Map<String, Long> endTotals = new TreeMap<>();
            ends.forEach((tp, end) -> {
                if (topics.contains(tp.topic())) {
                    endTotals.merge(tp.topic(), end, Long::sum);
                }
            });
            state.onOffsets(new OffsetSample(clock.millis(), endTotals, lag));
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            log.debug("Dashboard could not read offsets", cause);
            state.onOffsetsFailed(cause.getClass().getSimpleName() + ": " + cause.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private List<TopicPartition> partitions() throws InterruptedException, TimeoutException, ExecutionException {
        List<TopicPartition> out = new ArrayList<>();
        for (Map.Entry<String, KafkaFuture<TopicDescription>> e :
                admin.describeTopics(topics).topicNameValues().entrySet()) {
            try {
                TopicDescription d = get(e.getValue());
                d.partitions().forEach(p -> out.add(new TopicPartition(d.name(), p.partition())));
            } catch (ExecutionException ex) {
                if (!(ex.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw ex;
                }
                // Not created yet: it simply has no rate until it is.
            }
        }
        return out;
    }

    private Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions)
            throws InterruptedException, TimeoutException, ExecutionException {
        Map<TopicPartition, Long> out = new HashMap<>();
        if (partitions.isEmpty()) {
            return out;
        }
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        partitions.forEach(tp -> request.put(tp, OffsetSpec.latest()));
        Map<TopicPartition, ListOffsetsResultInfo> result =
                get(admin.listOffsets(request, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                        .all());
        result.forEach((tp, info) -> out.put(tp, info.offset()));
        return out;
    }

    private List<String> groupIds() throws InterruptedException, TimeoutException, ExecutionException {
        if (!groups.isEmpty()) {
            return groups;
        }
        Collection<GroupListing> listings =
                get(admin.listGroups(ListGroupsOptions.forConsumerGroups()).all());
        return listings.stream().map(GroupListing::groupId).sorted().toList();
    }

    private static <T> T get(KafkaFuture<T> future) throws InterruptedException, TimeoutException, ExecutionException {
        return future.get(TIMEOUT_S, TimeUnit.SECONDS);
    }
}
