package io.streamrlhf.producers.common;

import io.streamrlhf.schemas.serde.RecordDecodeException;
import io.streamrlhf.schemas.util.Backoff;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One step of a consumer loop that must never die on bad input or an outage. A record that cannot be decoded yet
 * because the schema registry cannot be asked is read again after a bounded exponential backoff; a record bad in
 * itself is logged with its topic, partition and offset, counted and skipped; any other error is logged and the
 * step retried with the same backoff. A success resets the backoff. Not thread-safe: one per polling thread.
 */
public final class ResilientPoll {

    /** Waits out a backoff delay; may return early when its owner closes. */
    @FunctionalInterface
    public interface Pause {
        /** Waits up to {@code delay}. */
        void await(Duration delay) throws InterruptedException;
    }

    private static final Logger log = LoggerFactory.getLogger(ResilientPoll.class);

    private final Consumer<?, ?> consumer;
    private final Backoff backoff;
    private final Pause pause;
    private final String loopName;
    private final String recordKind;
    private final AtomicLong skippedRecords = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();

    /**
     * @param consumer the consumer the step polls, repositioned here past or back to an undecodable record
     * @param backoff the delays between retries
     * @param pause how to wait a delay (on the owner's close signal, so closing is not held up)
     * @param loopName names the loop in logs, such as {@code "Response tail of rlhf.responses"}
     * @param recordKind names what a record is in logs, such as {@code "response"}
     */
    public ResilientPoll(Consumer<?, ?> consumer, Backoff backoff, Pause pause, String loopName, String recordKind) {
        this.consumer = Objects.requireNonNull(consumer, "consumer");
        this.backoff = Objects.requireNonNull(backoff, "backoff");
        this.pause = Objects.requireNonNull(pause, "pause");
        this.loopName = Objects.requireNonNull(loopName, "loopName");
        this.recordKind = Objects.requireNonNull(recordKind, "recordKind");
    }

    /**
     * Runs {@code step} once, handling its failure as the class comment says. A {@link WakeupException} passes
     * through: only the caller knows whether it is closing.
     *
     * @throws InterruptedException if interrupted while waiting before a retry
     */
    public void attempt(Runnable step) throws InterruptedException {
        try {
            step.run();
            backoff.reset();
        } catch (RecordDeserializationException e) {
            handleUndecodable(e);
        } catch (WakeupException e) {
            throw e;
        } catch (RuntimeException e) {
            retries.incrementAndGet();
            Duration delay = backoff.next();
            log.error("{} failed; trying again in {} ms", loopName, delay.toMillis(), e);
            pause.await(delay);
        }
    }

    /** The consumer stopped at a record it cannot decode: read it again later, or skip it if it is bad. */
    private void handleUndecodable(RecordDeserializationException e) throws InterruptedException {
        if (e.getCause() instanceof RecordDecodeException d && d.isTransient()) {
            retries.incrementAndGet();
            Duration delay = backoff.next();
            log.warn(
                    "Cannot decode {}-{}@{} yet ({}); reading it again in {} ms",
                    e.topicPartition().topic(),
                    e.topicPartition().partition(),
                    e.offset(),
                    d.reason(),
                    delay.toMillis(),
                    e);
            consumer.seek(e.topicPartition(), e.offset());
            pause.await(delay);
        } else {
            skippedRecords.incrementAndGet();
            log.warn(
                    "Skipping undecodable {} {}-{}@{}",
                    recordKind,
                    e.topicPartition().topic(),
                    e.topicPartition().partition(),
                    e.offset(),
                    e);
            consumer.seek(e.topicPartition(), e.offset() + 1);
        }
    }

    /** Records skipped because they are bad in themselves. */
    public long skippedRecords() {
        return skippedRecords.get();
    }

    /** Attempts retried after a transient failure (registry or broker unreachable, or any other error). */
    public long retries() {
        return retries.get();
    }
}
