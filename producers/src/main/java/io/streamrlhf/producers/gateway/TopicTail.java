package io.streamrlhf.producers.gateway;

import io.streamrlhf.producers.common.ResilientPoll;
import io.streamrlhf.schemas.util.Backoff;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A daemon thread that follows every partition of one topic without a consumer group, for the gateway's views of
 * what other components wrote. It never dies on bad input or an outage: until the topic can be positioned it looks
 * again every second; a record that cannot be decoded because the schema registry cannot be asked is read again
 * after a bounded exponential backoff; a record bad in itself is logged with its coordinates, counted and skipped
 * (streams dead-letter it from the same topic, and a tail has no producer); any other error is retried with the
 * same backoff.
 *
 * @param <V> the topic's value type as decoded
 */
abstract class TopicTail<V> implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TopicTail.class);

    /** The consumer, owned and closed by the tail's thread. */
    protected final Consumer<String, V> consumer;
    /** The followed topic's name. */
    protected final String topic;

    private final String description;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final ResilientPoll poll;
    private final Thread thread;
    private volatile boolean started;
    private volatile Throwable failure;

    TopicTail(Consumer<String, V> consumer, String topic, Backoff backoff, String description, String recordKind) {
        this.consumer = consumer;
        this.topic = topic;
        this.description = description;
        this.poll = new ResilientPoll(consumer, backoff, this::pause, description, recordKind);
        this.thread = new Thread(this::run, "gateway-" + recordKind.replace(' ', '-') + "-tail");
        this.thread.setDaemon(true);
    }

    /** Positions the assigned {@code partitions} before the first poll. */
    protected abstract void position(List<TopicPartition> partitions);

    /** Takes one poll's records (called on the tail's thread only). */
    protected abstract void accept(ConsumerRecords<String, V> records);

    final void start() {
        started = true;
        thread.start();
    }

    /** Records skipped because they are bad in themselves. */
    final long skippedRecords() {
        return poll.skippedRecords();
    }

    /** Reads retried after a transient failure (registry or broker unreachable). */
    final long retries() {
        return poll.retries();
    }

    private void run() {
        try {
            // The topic may not exist yet (first start) or Kafka may be unreachable: look again in a second, or stop
            // when closed.
            while (running.get() && !assign()) {
                if (stopped.await(1, TimeUnit.SECONDS)) {
                    return;
                }
            }
            while (running.get()) {
                try {
                    poll.attempt(() -> accept(consumer.poll(Duration.ofMillis(500))));
                } catch (WakeupException e) {
                    if (running.get()) {
                        log.warn("{} woken while running; going on", description, e);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            // Bad input and outages are retried in the loop; this is anything else (a bug, out of memory).
            log.error("{} stopped", description, e);
            failure = e;
            throw e;
        } finally {
            consumer.close();
        }
    }

    /** Why the tail's thread ended while it was meant to run, if it did: the gateway's view then goes stale. */
    final java.util.Optional<Throwable> failure() {
        Throwable f = failure;
        if (f != null) {
            return java.util.Optional.of(f);
        }
        if (running.get() && started && !thread.isAlive()) {
            return java.util.Optional.of(new IllegalStateException(description + " stopped"));
        }
        return java.util.Optional.empty();
    }

    private boolean assign() {
        try {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(5)).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition()))
                    .toList();
            if (partitions.isEmpty()) {
                return false;
            }
            consumer.assign(partitions);
            position(partitions);
            return true;
        } catch (TimeoutException e) {
            log.warn("Cannot reach Kafka to position {} yet; retrying", description);
            return false;
        }
    }

    private void pause(Duration delay) throws InterruptedException {
        stopped.await(delay.toMillis(), TimeUnit.MILLISECONDS);
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
