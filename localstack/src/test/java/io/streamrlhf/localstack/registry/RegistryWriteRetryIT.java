package io.streamrlhf.localstack.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamrlhf.localstack.junit.EmbeddedKafkaExtension;
import io.streamrlhf.schemas.registry.SchemaRegistryException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ConcurrentTransactionsException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A registry change whose Kafka transaction fails transiently (the broker's transaction state briefly behind the
 * client's) is aborted and written again, so it is stored once; a failure that persists or cannot pass on a retry
 * is a clear error that leaves the registry usable. Faults are injected at the commit of a real producer on a real
 * broker, after its record reached the log, so the aborted copy is really there.
 */
class RegistryWriteRetryIT {

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    private static final Schema V1 =
            SchemaBuilder.record("Thing").fields().requiredString("a").endRecord();

    @Test
    void aTransientCommitFailureIsAbortedAndTheChangeStoredOnce() {
        // given: a writer whose first commit fails as the broker's transaction state does when it lags
        String topic = KAFKA.uniqueName("_schemas");
        AtomicInteger failures = new AtomicInteger(1);
        int id;
        try (KafkaBackedSchemaRegistry registry =
                faulty(topic, failures, () -> new InvalidTxnStateException("injected: invalid transaction state"))) {
            registry.start();

            // when
            id = registry.register("thing-value", V1);

            // then: the change is applied once
            assertThat(registry.versions("thing-value")).containsExactly(1);
        }
        assertThat(failures.get()).isEqualTo(0);

        // and the log holds the aborted copy and one committed record: a restart replays one version, same id
        assertThat(schemaRecordsIncludingAborted(topic, "thing-value")).isEqualTo(2);
        try (KafkaBackedSchemaRegistry restarted = new KafkaBackedSchemaRegistry(config(topic))) {
            restarted.start();
            assertThat(restarted.versions("thing-value")).containsExactly(1);
            assertThat(restarted.latest("thing-value").id()).isEqualTo(id);
        }
    }

    @Test
    void aFailureThatOutlastsTheRetriesIsAClearErrorAndTheNextChangeWorks() {
        // given: every try of the first change fails
        String topic = KAFKA.uniqueName("_schemas");
        AtomicInteger failures = new AtomicInteger(KafkaBackedSchemaRegistry.WRITE_ATTEMPTS);
        try (KafkaBackedSchemaRegistry registry = faulty(
                topic, failures, () -> new ConcurrentTransactionsException("injected: concurrent transactions"))) {
            registry.start();

            // when / then
            assertThatThrownBy(() -> registry.register("thing-value", V1))
                    .isInstanceOf(SchemaRegistryException.class)
                    .hasMessageContaining("Cannot store schema thing-value version 1")
                    .hasMessageContaining("(" + KafkaBackedSchemaRegistry.WRITE_ATTEMPTS + " attempts)")
                    .hasMessageContaining("injected: concurrent transactions");
            assertThat(registry.subjects()).isEmpty();

            // and the failed change left nothing behind: the next one is version 1 again
            registry.register("thing-value", V1);
            assertThat(registry.versions("thing-value")).containsExactly(1);
        }
    }

    @Test
    void anErrorARetryCannotCureIsNotRetried() {
        // given: a record the broker refuses
        String topic = KAFKA.uniqueName("_schemas");
        AtomicInteger failures = new AtomicInteger(1);
        try (KafkaBackedSchemaRegistry registry =
                faulty(topic, failures, () -> new RecordTooLargeException("injected: record too large"))) {
            registry.start();

            // when / then: one try, the cause named
            assertThatThrownBy(() -> registry.register("thing-value", V1))
                    .isInstanceOf(SchemaRegistryException.class)
                    .hasMessageContaining("injected: record too large")
                    .hasMessageNotContaining("attempts");
            assertThat(failures.get()).isEqualTo(0);
            registry.register("thing-value", V1);
            assertThat(registry.versions("thing-value")).containsExactly(1);
        }
    }

    @Test
    void transientErrorsAreThoseABrokerRecoversFromByItself() {
        assertThat(KafkaBackedSchemaRegistry.transientTransactionError(new InvalidTxnStateException("x")))
                .isTrue();
        assertThat(KafkaBackedSchemaRegistry.transientTransactionError(new ConcurrentTransactionsException("x")))
                .isTrue();
        // wrapped, as commitTransaction may report the batch's error
        assertThat(KafkaBackedSchemaRegistry.transientTransactionError(
                        new org.apache.kafka.common.KafkaException("commit failed", new InvalidTxnStateException("x"))))
                .isTrue();
        assertThat(KafkaBackedSchemaRegistry.transientTransactionError(new RecordTooLargeException("x")))
                .isFalse();
        assertThat(KafkaBackedSchemaRegistry.transientTransactionError(new TransactionalIdAuthorizationException("x")))
                .isFalse();
    }

    /** A registry whose writer fails its next {@code failures} commits with {@code error}, after flushing. */
    private static KafkaBackedSchemaRegistry faulty(
            String topic, AtomicInteger failures, Supplier<RuntimeException> error) {
        return new KafkaBackedSchemaRegistry(config(topic), props -> new FailingCommits(props, failures, error));
    }

    private static KafkaBackedSchemaRegistry.Config config(String topic) {
        return new KafkaBackedSchemaRegistry.Config(KAFKA.bootstrapServers(), topic, Duration.ofSeconds(20), Map.of());
    }

    /** Records for {@code subject} in the log, aborted ones included. */
    private static int schemaRecordsIncludingAborted(String topic, String subject) {
        Map<String, Object> props = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                KAFKA.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                "read_uncommitted");
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (consumer.position(partition) < end && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return (int) records.stream()
                .filter(r -> new String(r.key(), StandardCharsets.UTF_8).contains("\"subject\":\"" + subject + "\""))
                .count();
    }

    /** A real producer whose commit, while failures remain, flushes its record and then fails instead. */
    private static final class FailingCommits extends KafkaProducer<byte[], byte[]> {
        private final AtomicInteger failures;
        private final Supplier<RuntimeException> error;

        FailingCommits(Map<String, Object> props, AtomicInteger failures, Supplier<RuntimeException> error) {
            super(props, new ByteArraySerializer(), new ByteArraySerializer());
            this.failures = failures;
            this.error = error;
        }

        @Override
        public void commitTransaction() {
            if (failures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                flush();
                throw error.get();
            }
            super.commitTransaction();
        }
    }
}
