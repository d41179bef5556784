package io.streamrlhf.producers.erasure;

import io.streamrlhf.producers.config.KafkaConnection;
import io.streamrlhf.producers.config.ProducerKeys;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Settings of the erasure reporter.
 *
 * @param connection the cluster, registry and topic names ({@code erasures.kafka.*} overrides on top of
 *     {@code kafka.*})
 * @param groupId {@code erasures.group.id}
 * @param transactionalId {@code erasures.transactional.id}
 * @param scanTimeout {@code erasures.scan.timeout}
 */
public record ErasureReporterConfig(
        KafkaConnection connection, String groupId, String transactionalId, Duration scanTimeout) {

    public ErasureReporterConfig {
        Objects.requireNonNull(connection, "connection");
        if (groupId == null || groupId.isBlank()) {
            throw new IllegalArgumentException("erasures.group.id must not be blank");
        }
        if (transactionalId == null || transactionalId.isBlank()) {
            throw new IllegalArgumentException("erasures.transactional.id must not be blank");
        }
        if (scanTimeout == null || scanTimeout.isNegative() || scanTimeout.isZero()) {
            throw new IllegalArgumentException("erasures.scan.timeout must be positive, got " + scanTimeout);
        }
    }

    /** Defaults on {@code connection}. */
    public static ErasureReporterConfig defaults(KafkaConnection connection) {
        Map<String, String> none = Map.of();
        return new ErasureReporterConfig(
                connection,
                ProducerKeys.ERASURES_GROUP_ID.get(none),
                ProducerKeys.ERASURES_TRANSACTIONAL_ID.get(none),
                ProducerKeys.ERASURES_SCAN_TIMEOUT.get(none));
    }

    /** Reads every setting from {@code props}. */
    public static ErasureReporterConfig fromProperties(Map<String, String> props) {
        return new ErasureReporterConfig(
                KafkaConnection.fromProperties(props, "erasures"),
                ProducerKeys.ERASURES_GROUP_ID.get(props),
                ProducerKeys.ERASURES_TRANSACTIONAL_ID.get(props),
                ProducerKeys.ERASURES_SCAN_TIMEOUT.get(props));
    }

    /** The same settings on another connection. */
    public ErasureReporterConfig withConnection(KafkaConnection other) {
        return new ErasureReporterConfig(other, groupId, transactionalId, scanTimeout);
    }

    /** The same settings under another group and transactional id (one per test). */
    public ErasureReporterConfig withIds(String group, String transactional) {
        return new ErasureReporterConfig(connection, group, transactional, scanTimeout);
    }
}
