package io.streamrlhf.producers.sampler;

import io.streamrlhf.avro.PolicyStatus;
import io.streamrlhf.avro.PolicyVersion;
import io.streamrlhf.producers.common.ResilientPoll;
import io.streamrlhf.schemas.topic.Topic;
import io.streamrlhf.schemas.util.Backoff;
import io.streamrlhf.trainer.checkpoint.CheckpointStore;
import io.streamrlhf.trainer.model.PolicyModel;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the policy-versions topic (read_committed, from the beginning) and loads each newer version's
 * checkpoint in the background, verifying its sha256. The loaded model waits in {@link #takeNewer(long)} until
 * the sampler reaches a batch boundary, so no prompt in flight is cut off by a swap. A version whose checkpoint
 * is missing or corrupt is logged and counted, and the current policy stays in service.
 *
 * <p>The thread never dies on bad input or an outage. A record that cannot be decoded because the schema
 * registry cannot be asked is read again after a bounded exponential backoff; a record bad in itself is logged
 * with its topic, partition and offset, counted in {@link #skippedRecords()} and skipped (the follower has no
 * producer, so it writes no dead letters).
 * Any other error (the broker unreachable) is logged and retried with the same backoff.
 */
public final class PolicyFollower implements Runnable, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PolicyFollower.class);

    /** A loaded policy and the version it is. */
    public record LoadedPolicy(long version, PolicyModel model) {}

    private final KafkaConsumer<String, PolicyVersion> consumer;
    private final CheckpointStore store;
    private final String modelId;
    private final AtomicReference<LoadedPolicy> pending = new AtomicReference<>();
    private final AtomicLong latestLoaded = new AtomicLong(-1);
    private final AtomicLong failedLoads = new AtomicLong();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final CountDownLatch closed = new CountDownLatch(1);
    private final ResilientPoll poll;

    /** A follower that retries transient failures after 100 ms, doubling up to 10 s. */
    public PolicyFollower(
            String bootstrapServers, Topic<String, PolicyVersion> topic, CheckpointStore store, String modelId) {
        this(bootstrapServers, Map.of(), topic, store, modelId);
    }

    /** A follower whose consumer also gets {@code clientOverrides} (the sampler's Kafka security settings). */
    public PolicyFollower(
            String bootstrapServers,
            Map<String, ?> clientOverrides,
            Topic<String, PolicyVersion> topic,
            CheckpointStore store,
            String modelId) {
        this(
                bootstrapServers,
                clientOverrides,
                topic,
                store,
                modelId,
                new Backoff(Duration.ofMillis(100), Duration.ofSeconds(10)));
    }

    /** A follower with its own retry backoff. */
    public PolicyFollower(
            String bootstrapServers,
            Topic<String, PolicyVersion> topic,
            CheckpointStore store,
            String modelId,
            Backoff backoff) {
        this(bootstrapServers, Map.of(), topic, store, modelId, backoff);
    }

    /** A follower with the sampler's Kafka client overrides and its own retry backoff. */
    public PolicyFollower(
            String bootstrapServers,
            Map<String, ?> clientOverrides,
            Topic<String, PolicyVersion> topic,
            CheckpointStore store,
            String modelId,
            Backoff backoff) {
        this.store = store;
        this.modelId = modelId;
        this.consumer = topic.replayingConsumer(bootstrapServers, Map.<String, Object>copyOf(clientOverrides));
        this.poll = new ResilientPoll(
                consumer,
                backoff,
                delay -> closed.await(delay.toMillis(), TimeUnit.MILLISECONDS),
                "Policy follower for " + modelId,
                "policy version record");
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
                    log.warn("Policy follower woken while running; going on", e);
                }
            }
        } catch (InterruptedException e) {
            // Interrupted while waiting to retry: stop following, as close() would.
            Thread.currentThread().interrupt();
            running.set(false);
        } finally {
            consumer.close();
        }
    }

    private void followOnce() {
        PolicyVersion newest = null;
        for (ConsumerRecord<String, PolicyVersion> record : consumer.poll(Duration.ofMillis(500))) {
            PolicyVersion v = record.value();
            if (v != null
                    && modelId.equals(v.getModelId())
                    && v.getStatus() != PolicyStatus.REJECTED
                    && (newest == null || v.getVersion() > newest.getVersion())) {
                newest = v;
            }
        }
        if (newest != null && newest.getVersion() > latestLoaded.get()) {
            load(newest);
        }
    }

    private void load(PolicyVersion version) {
        try {
            PolicyModel model = store.read(URI.create(version.getCheckpointUri()), version.getSha256())
                    .toPolicyModel();
            LoadedPolicy previous = pending.getAndSet(new LoadedPolicy(version.getVersion(), model));
            if (previous != null) {
                previous.model().close();
            }
            latestLoaded.set(version.getVersion());
            log.info(
                    "Loaded policy version {} from {} (sha256 verified)",
                    version.getVersion(),
                    version.getCheckpointUri());
        } catch (IOException | RuntimeException e) {
            failedLoads.incrementAndGet();
            log.error(
                    "Cannot load policy version {} from {}; keeping the current policy",
                    version.getVersion(),
                    version.getCheckpointUri(),
                    e);
        }
    }

    /** The newest loaded policy if it is newer than {@code currentVersion}, handing ownership to the caller. */
    public LoadedPolicy takeNewer(long currentVersion) {
        LoadedPolicy candidate = pending.get();
        if (candidate != null && candidate.version() > currentVersion && pending.compareAndSet(candidate, null)) {
            return candidate;
        }
        return null;
    }

    /** How many records were skipped because they are bad in themselves. */
    public long skippedRecords() {
        return poll.skippedRecords();
    }

    /** How many times a read was retried after a transient failure (registry or broker unreachable). */
    public long retries() {
        return poll.retries();
    }

    /** The newest version loaded so far, -1 before the first. */
    public long latestLoaded() {
        return latestLoaded.get();
    }

    /** How many published versions could not be loaded. */
    public long failedLoads() {
        return failedLoads.get();
    }

    @Override
    public void close() {
        running.set(false);
        closed.countDown();
        consumer.wakeup();
        LoadedPolicy left = pending.getAndSet(null);
        if (left != null) {
            left.model().close();
        }
    }
}
