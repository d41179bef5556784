package io.streamrlhf.producers.gateway;

import io.streamrlhf.avro.ResponseGenerated;
import io.streamrlhf.producers.common.ResilientPoll;
import io.streamrlhf.producers.config.KafkaConnection;
import io.streamrlhf.schemas.topic.Topic;
import io.streamrlhf.schemas.util.Backoff;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tails {@code rlhf.responses} into {@link RecentResponses}, so the gateway knows responses recorded any way
 * (Java client, sampler, another gateway instance) and still knows them after a restart. Joins no consumer group:
 * it assigns every partition and starts {@code capacity / partitions} records before each end.
 *
 * <p>The thread never dies on bad input or an outage: a record that cannot be decoded because the schema registry
 * cannot be asked is read again after a bounded exponential backoff; a record bad in itself is logged with its
 * topic, partition and offset, counted and skipped (streams already dead-letters it from the same topic, and the
 * tail has no producer); any other error is logged and retried with the same backoff.
 */
final class ResponseTail implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ResponseTail.class);

    private final Consumer<String, ResponseGenerated> consumer;
    private final String topic;
    private final RecentResponses recent;
    private final int capacity;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final ResilientPoll poll;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Thread thread;

    ResponseTail(
            KafkaConnection connection,
            Topic<String, ResponseGenerated> responses,
            RecentResponses recent,
            int capacity) {
        this(connection, responses, recent, capacity, new Backoff(Duration.ofMillis(100), Duration.ofSeconds(10)));
    }

    ResponseTail(
            KafkaConnection connection,
            Topic<String, ResponseGenerated> responses,
            RecentResponses recent,
            int capacity,
            Backoff backoff) {
        this.topic = responses.name();
        this.recent = Objects.requireNonNull(recent, "recent");
        this.capacity = capacity;
        this.consumer = new KafkaConsumer<>(
                connection.clientProperties(Map.of(
                        ConsumerConfig.CLIENT_ID_CONFIG,
                        "streamrlhf-gateway-tail",
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                        false,
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                        "read_committed",
                        ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG,
                        false)),
                responses.keySerde().deserializer(),
                responses.valueSerde().deserializer());
        this.poll = new ResilientPoll(consumer, backoff, this::pause, "Response tail of " + topic, "response");
        this.thread = new Thread(this::run, "gateway-response-tail");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    private void run() {
        try {
            while (running.get() && !assignNearEnd()) {
                // The topic may not exist yet (first start) or Kafka may be unreachable: look again in a second,
                // or stop when closed.
                if (stopped.await(1, TimeUnit.SECONDS)) {
                    return;
                }
            }
            while (running.get()) {
                try {
                    poll.attempt(() -> {
                        for (ConsumerRecord<String, ResponseGenerated> r : consumer.poll(Duration.ofMillis(500))) {
                            if (r.value() != null) {
                                recent.remember(
                                        r.value().getResponseId(), r.value().getPromptId());
                            }
                        }
                    });
                } catch (WakeupException e) {
                    if (running.get()) {
                        log.warn("Response tail of {} woken while running; going on", topic, e);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            consumer.close();
        }
    }

    private void pause(Duration delay) throws InterruptedException {
        stopped.await(delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Records skipped because they are bad in themselves. */
    long skippedRecords() {
        return poll.skippedRecords();
    }

    /** Reads retried after a transient failure (registry or broker unreachable). */
    long retries() {
        return poll.retries();
    }

    /** Assigns every partition, positioned {@code capacity / partitions} records before its end. */
    private boolean assignNearEnd() {
        try {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(5)).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition()))
                    .toList();
            if (partitions.isEmpty()) {
                return false;
            }
            consumer.assign(partitions);
            long backlog = Math.max(1, capacity / partitions.size());
            Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions, Duration.ofSeconds(10));
            consumer.endOffsets(partitions, Duration.ofSeconds(10))
                    .forEach((tp, end) -> consumer.seek(tp, Math.max(begin.getOrDefault(tp, 0L), end - backlog)));
            log.info("Tailing {} ({} partitions) for known response ids", topic, partitions.size());
            return true;
        } catch (TimeoutException e) {
            log.warn("Cannot reach Kafka to position the tail of {} yet; retrying", topic);
            return false;
        }
    }

    @Override
    public void close() {
        running.set(false);
        stopped.countDown();
        consumer.wakeup();
        try {
            thread.join(Duration.ofSeconds(10).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
