package io.streamrlhf.producers.gateway;

import io.streamrlhf.avro.PolicyVersion;
import io.streamrlhf.producers.config.KafkaConnection;
import io.streamrlhf.schemas.topic.Topic;
import io.streamrlhf.schemas.util.Backoff;
import io.streamrlhf.trainer.checkpoint.VersionSigner;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads {@code rlhf.policy.versions} from the beginning ({@code read_committed}, no consumer group) into
 * {@link PublishedVersions}, and keeps following it. Like every {@link TopicTail} it never dies: undecodable records
 * wait out a registry outage or are skipped when bad in themselves, and any other error is retried with backoff.
 * Until it has read up to the end offsets seen at start, the gateway answers a version it does not know yet with a
 * retriable refusal. With {@code versions.signing.key} set, a version counts only when its HMAC header matches its
 * exact value bytes (as the samplers check), so a forged record cannot make a version claimable.
 */
final class VersionTail extends TopicTail<VersionTail.Signed> {

    private static final Logger log = LoggerFactory.getLogger(VersionTail.class);

    private final Optional<VersionSigner> signer;
    private final AtomicLong unsigned = new AtomicLong();
    private final PublishedVersions versions;
    private Map<TopicPartition, Long> endsAtStart = Map.of();

    /** A decoded version with its exact value bytes, which its signature covers. */
    record Signed(PolicyVersion version, byte[] bytes) {}

    VersionTail(
            KafkaConnection connection,
            Topic<String, PolicyVersion> policyVersions,
            PublishedVersions versions,
            Optional<VersionSigner> signer) {
        super(
                new KafkaConsumer<>(
                        connection.clientProperties(Map.of(
                                ConsumerConfig.CLIENT_ID_CONFIG,
                                "streamrlhf-gateway-versions",
                                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                                false,
                                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                                "read_committed",
                                ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG,
                                false)),
                        policyVersions.keySerde().deserializer(),
                        signedDecoder(policyVersions.valueSerde().deserializer())),
                policyVersions.name(),
                new Backoff(Duration.ofMillis(100), Duration.ofSeconds(10)),
                "Version tail of " + policyVersions.name(),
                "policy version");
        this.versions = Objects.requireNonNull(versions, "versions");
        this.signer = Objects.requireNonNull(signer, "signer");
    }

    private static Deserializer<Signed> signedDecoder(Deserializer<PolicyVersion> decoder) {
        return new Deserializer<>() {
            @Override
            public Signed deserialize(String name, byte[] data) {
                return deserialize(name, null, data);
            }

            @Override
            public Signed deserialize(String name, Headers headers, byte[] data) {
                PolicyVersion v = decoder.deserialize(name, headers, data);
                return v == null ? null : new Signed(v, data);
            }
        };
    }

    /** Reads from the beginning, noting each partition's end: the gateway is caught up once it got there. */
    @Override
    protected void position(List<TopicPartition> partitions) {
        consumer.seekToBeginning(partitions);
        endsAtStart = consumer.endOffsets(partitions, Duration.ofSeconds(10));
        log.info("Following {} ({} partitions) for published policy versions", topic, partitions.size());
    }

    @Override
    protected void accept(ConsumerRecords<String, Signed> records) {
        for (ConsumerRecord<String, Signed> r : records) {
            if (r.value() != null && signedWhenRequired(r)) {
                PolicyVersion v = r.value().version();
                versions.publish(v.getModelId(), v.getVersion());
            }
        }
        if (!versions.caughtUp() && reachedStartEnds()) {
            versions.markCaughtUp();
            log.info("Read the published policy versions of {}", topic);
        }
    }

    /** With a signing key, only a version whose signature header matches its exact bytes counts as published. */
    private boolean signedWhenRequired(ConsumerRecord<String, Signed> r) {
        if (signer.isEmpty()) {
            return true;
        }
        Header signature = r.headers().lastHeader(VersionSigner.HEADER);
        if (signature != null && signer.get().verify(r.value().bytes(), signature.value())) {
            return true;
        }
        unsigned.incrementAndGet();
        log.warn(
                "Ignoring policy version {} of {} at {}-{}@{}: {}",
                r.value().version().getVersion(),
                r.value().version().getModelId(),
                r.topic(),
                r.partition(),
                r.offset(),
                signature == null ? "unsigned" : "bad signature");
        return false;
    }

    /** Version records ignored because they were unsigned or badly signed while a signing key is set. */
    long unsignedIgnored() {
        return unsigned.get();
    }

    private boolean reachedStartEnds() {
        // Under read_committed the position passes transaction markers, so it reaches each end offset seen at start.
        return endsAtStart.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
    }
}
