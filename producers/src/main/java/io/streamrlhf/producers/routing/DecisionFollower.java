package io.streamrlhf.producers.routing;

import io.streamrlhf.avro.CanaryDecision;
import io.streamrlhf.producers.common.ResilientPoll;
import io.streamrlhf.schemas.topic.Topic;
import io.streamrlhf.schemas.util.Backoff;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the canary decisions topic (read_committed, from the beginning, no consumer group) into a
 * {@link RoutingTable}. Every start replays the whole topic, so routes survive restarts without state of their own;
 * {@link #caughtUp()} says when the replay has reached the end offsets seen at start. Bad records are logged and
 * skipped, outages retried with a backoff ({@link ResilientPoll}).
 */
public final class DecisionFollower implements Runnable, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DecisionFollower.class);

    private final KafkaConsumer<String, CanaryDecision> consumer;
    private final RoutingTable table;
    private final ResilientPoll poll;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicBoolean caughtUp = new AtomicBoolean(false);
    private final CountDownLatch closed = new CountDownLatch(1);
    private Map<TopicPartition, Long> endAtStart;

    /**
     * @param bootstrapServers the cluster
     * @param clientOverrides Kafka security settings
     * @param topic the decisions topic
     * @param table where the routes go
     */
    public DecisionFollower(
            String bootstrapServers,
            Map<String, ?> clientOverrides,
            Topic<String, CanaryDecision> topic,
            RoutingTable table) {
        this.table = table;
        this.consumer = topic.replayingConsumer(bootstrapServers, Map.<String, Object>copyOf(clientOverrides));
        this.poll = new ResilientPoll(
                consumer,
                new Backoff(Duration.ofMillis(100), Duration.ofSeconds(10)),
                delay -> closed.await(delay.toMillis(), TimeUnit.MILLISECONDS),
                "Canary decision follower",
                "canary decision record");
    }

    /** Starts following on a daemon thread named {@code name}; returns this. */
    public DecisionFollower start(String name) {
        Thread t = new Thread(this, name);
        t.setDaemon(true);
        t.start();
        return this;
    }

    @Override
    public void run() {
        try {
            while (running.get()) {
                try {
                    poll.attempt(this::followOnce);
                } catch (WakeupException e) {
                    if (!running.get()) {
                        return;
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running.set(false);
        } finally {
            consumer.close();
        }
    }

    private void followOnce() {
        if (endAtStart == null) {
            Set<TopicPartition> assigned = consumer.assignment();
            endAtStart = consumer.endOffsets(assigned);
        }
        for (ConsumerRecord<String, CanaryDecision> r : consumer.poll(Duration.ofMillis(500))) {
            if (r.value() != null) {
                table.apply(r.value());
                log.debug(
                        "Route of {} after {} of version {}: {}",
                        r.value().getModelId(),
                        r.value().getOutcome(),
                        r.value().getVersion(),
                        table.route(r.value().getModelId()).orElse(null));
            }
        }
        if (!caughtUp.get()
                && endAtStart.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue())) {
            caughtUp.set(true);
            log.info("Canary routes rebuilt from the decisions topic");
        }
    }

    /** True once every decision committed before the follower started has been applied. */
    public boolean caughtUp() {
        return caughtUp.get();
    }

    @Override
    public void close() {
        running.set(false);
        closed.countDown();
        consumer.wakeup();
    }
}
