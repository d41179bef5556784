package io.streamrlhf.producers.sampler;

import io.streamrlhf.avro.PolicyStatus;
import io.streamrlhf.avro.PolicyVersion;
import io.streamrlhf.producers.common.ResilientPoll;
import io.streamrlhf.schemas.topic.Topic;
import io.streamrlhf.schemas.util.Backoff;
import io.streamrlhf.trainer.checkpoint.Checkpoint;
import io.streamrlhf.trainer.checkpoint.CheckpointStore;
import io.streamrlhf.trainer.checkpoint.UntrustedCheckpointException;
import io.streamrlhf.trainer.checkpoint.VersionSigner;
import io.streamrlhf.trainer.checkpoint.VersionVerifier;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the policy-versions topic (read_committed, from the beginning) and loads each newer version's
 * checkpoint in the background, verifying its sha256. Every record of the model passes a {@link VersionVerifier}
 * first, over its exact value bytes and headers: a version that is unsigned or badly signed while
 * {@code versions.signing.key} is set, not newer than the versions before it, with an unknown parent, or with a
 * checkpoint outside the store or above its size bound is refused, counted in {@link #refusals()}, logged and,
 * when the follower has a {@link DeadLetterSink}, dead-lettered; it is never loaded. A loaded checkpoint whose own
 * header names another model or version is refused the same way. The loaded model waits in {@link #takeNewer(long)} until
 * the sampler reaches a batch boundary, so no prompt in flight is cut off by a swap. A version whose checkpoint
 * is missing or corrupt is logged and counted, and the current policy stays in service.
 *
 * <p>The thread never dies on bad input or an outage. A record that cannot be decoded because the schema
 * registry cannot be asked is read again after a bounded exponential backoff; a record bad in itself is logged
 * with its topic, partition and offset, counted in {@link #skippedRecords()} and skipped.
 * Any other error (the broker unreachable) is logged and retried with the same backoff.
 */
public final class PolicyFollower implements Runnable, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PolicyFollower.class);

    /** A loaded policy and the version it is. */
    public record LoadedPolicy(long version, ServedPolicy policy) {}

    /** Where refused versions go: the project's dead-letter topic in a deployment. */
    @FunctionalInterface
    public interface DeadLetterSink {
        /** Files {@code record}, refused for {@code refusal}. */
        void refused(ConsumerRecord<String, ?> record, byte[] rawValue, VersionVerifier.Refusal refusal);

        /** Files nothing (the refusal is still logged and counted). */
        DeadLetterSink NONE = (record, rawValue, refusal) -> {};
    }

    /** A decoded version with the exact bytes it was decoded from, which a signature covers. */
    record Received(PolicyVersion version, byte[] bytes) {}

    private final KafkaConsumer<String, Received> consumer;
    private final CheckpointStore store;
    private final String modelId;
    private final VersionVerifier verifier;
    private final DeadLetterSink deadLetters;
    private final VersionLoader loader;
    private final AtomicReference<LoadedPolicy> pending = new AtomicReference<>();
    private final Map<Long, PolicyVersion> admitted = new java.util.concurrent.ConcurrentHashMap<>();
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

    /** A follower with the sampler's Kafka client overrides and its own retry backoff; versions are not signed. */
    public PolicyFollower(
            String bootstrapServers,
            Map<String, ?> clientOverrides,
            Topic<String, PolicyVersion> topic,
            CheckpointStore store,
            String modelId,
            Backoff backoff) {
        this(bootstrapServers, clientOverrides, topic, store, modelId, backoff, Optional.empty(), DeadLetterSink.NONE);
    }

    /**
     * A follower that requires versions signed with {@code signer} when present and files refused versions in
     * {@code deadLetters}.
     */
    public PolicyFollower(
            String bootstrapServers,
            Map<String, ?> clientOverrides,
            Topic<String, PolicyVersion> topic,
            CheckpointStore store,
            String modelId,
            Backoff backoff,
            Optional<VersionSigner> signer,
            DeadLetterSink deadLetters) {
        this(
                bootstrapServers,
                clientOverrides,
                topic,
                store,
                modelId,
                backoff,
                signer,
                deadLetters,
                VersionLoader.byteLevel());
    }

    /**
     * A follower that turns each verified checkpoint into a policy with {@code loader} (a Hugging Face base with
     * adapters, or the byte-level model); the loader stays the caller's to close.
     */
    public PolicyFollower(
            String bootstrapServers,
            Map<String, ?> clientOverrides,
            Topic<String, PolicyVersion> topic,
            CheckpointStore store,
            String modelId,
            Backoff backoff,
            Optional<VersionSigner> signer,
            DeadLetterSink deadLetters,
            VersionLoader loader) {
        this.loader = loader;
        this.store = store;
        this.modelId = modelId;
        this.verifier = new VersionVerifier(modelId, signer, store);
        this.deadLetters = deadLetters;
        this.consumer =
                receivingTopic(topic).replayingConsumer(bootstrapServers, Map.<String, Object>copyOf(clientOverrides));
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

    /**
     * The versions topic with a value deserializer that keeps the exact bytes next to the decoded version; a
     * decoding failure still surfaces as the consumer's own, which {@link ResilientPoll} retries or skips.
     */
    private static Topic<String, Received> receivingTopic(Topic<String, PolicyVersion> topic) {
        Deserializer<PolicyVersion> decoder = topic.valueSerde().deserializer();
        Deserializer<Received> receiving = new Deserializer<>() {
            @Override
            public Received deserialize(String name, byte[] data) {
                return deserialize(name, null, data);
            }

            @Override
            public Received deserialize(String name, Headers headers, byte[] data) {
                PolicyVersion v = decoder.deserialize(name, headers, data);
                return v == null ? null : new Received(v, data);
            }
        };
        Serializer<Received> none = (name, value) -> {
            throw new UnsupportedOperationException("the follower only reads versions");
        };
        return new Topic<>(topic.name(), topic.keySerde(), Serdes.serdeFrom(none, receiving));
    }

    private void followOnce() {
        ConsumerRecord<String, Received> newest = null;
        for (ConsumerRecord<String, Received> record : consumer.poll(Duration.ofMillis(500))) {
            Received received = record.value();
            if (received == null || !modelId.equals(received.version().getModelId())) {
                continue;
            }
            PolicyVersion v = received.version();
            // Every record of the model is checked in log order, so each accepted version is a known parent.
            Optional<VersionVerifier.Refusal> refusal = verifier.admit(v, received.bytes(), record.headers());
            if (refusal.isPresent()) {
                refuse(record, refusal.get());
            } else if (v.getStatus() != PolicyStatus.REJECTED
                    && admit(v)
                    && (newest == null
                            || v.getVersion() > newest.value().version().getVersion())) {
                newest = record;
            }
        }
        if (newest != null && newest.value().version().getVersion() > latestLoaded.get()) {
            load(newest);
        }
    }

    /** Remembers an admitted version for {@link #loadAdmitted}; always true. */
    private boolean admit(PolicyVersion v) {
        admitted.put(v.getVersion(), v);
        return true;
    }

    private void refuse(ConsumerRecord<String, Received> record, VersionVerifier.Refusal refusal) {
        log.warn(
                "Refusing {} version {} at {}-{}@{}: {}",
                modelId,
                record.value().version().getVersion(),
                record.topic(),
                record.partition(),
                record.offset(),
                refusal);
        try {
            deadLetters.refused(record, record.value().bytes(), refusal);
        } catch (RuntimeException e) {
            log.error(
                    "Cannot dead-letter refused version at {}-{}@{}",
                    record.topic(),
                    record.partition(),
                    record.offset(),
                    e);
        }
    }

    private void load(ConsumerRecord<String, Received> record) {
        PolicyVersion version = record.value().version();
        try {
            Checkpoint checkpoint = store.read(URI.create(version.getCheckpointUri()), version.getSha256());
            if (!modelId.equals(checkpoint.modelId()) || checkpoint.version() != version.getVersion()) {
                failedLoads.incrementAndGet();
                refuse(
                        record,
                        verifier.refuse(
                                VersionVerifier.Reason.CHECKPOINT_MISMATCH,
                                "version " + version.getVersion() + " points to a checkpoint of " + checkpoint.modelId()
                                        + " version " + checkpoint.version()));
                return;
            }
            ServedPolicy policy = loader.load(checkpoint);
            LoadedPolicy previous = pending.getAndSet(new LoadedPolicy(version.getVersion(), policy));
            if (previous != null) {
                previous.policy().close();
            }
            latestLoaded.set(version.getVersion());
            log.info(
                    "Loaded policy version {} from {} (sha256 verified)",
                    version.getVersion(),
                    version.getCheckpointUri());
        } catch (UntrustedCheckpointException e) {
            failedLoads.incrementAndGet();
            refuse(record, verifier.refuse(VersionVerifier.reasonOf(e), e.getMessage()));
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

    /**
     * Loads an admitted version's checkpoint now (sha256 and its header checked), whatever the newest version is:
     * for a sampler that serves both the promoted version and a canary. The caller owns the returned model. Empty
     * when the version was not (yet) admitted or its checkpoint cannot be loaded; the failure is logged and counted.
     */
    public Optional<LoadedPolicy> loadAdmitted(long version) {
        PolicyVersion v = admitted.get(version);
        if (v == null) {
            return Optional.empty();
        }
        try {
            Checkpoint checkpoint = store.read(URI.create(v.getCheckpointUri()), v.getSha256());
            if (!modelId.equals(checkpoint.modelId()) || checkpoint.version() != version) {
                failedLoads.incrementAndGet();
                log.error(
                        "Version {} of {} points to a checkpoint of {} version {}; not loaded",
                        version,
                        modelId,
                        checkpoint.modelId(),
                        checkpoint.version());
                return Optional.empty();
            }
            return Optional.of(new LoadedPolicy(version, loader.load(checkpoint)));
        } catch (IOException | RuntimeException e) {
            failedLoads.incrementAndGet();
            log.error("Cannot load policy version {} from {}", version, v.getCheckpointUri(), e);
            return Optional.empty();
        }
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

    /** Versions refused by reason (forged, out of order, or pointing outside the store). */
    public Map<VersionVerifier.Reason, Long> refusals() {
        return verifier.refusals();
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
            left.policy().close();
        }
    }
}
