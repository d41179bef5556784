package io.streamrlhf.streams.deadletter;

import static io.streamrlhf.streams.support.Events.response;
import static io.streamrlhf.streams.support.Events.up;
import static org.assertj.core.api.Assertions.assertThat;

import io.streamrlhf.avro.DeadLetter;
import io.streamrlhf.avro.Feedback;
import io.streamrlhf.avro.KtoExample;
import io.streamrlhf.avro.ResponseGenerated;
import io.streamrlhf.schemas.registry.InMemorySchemaRegistry;
import io.streamrlhf.schemas.serde.AvroSerde;
import io.streamrlhf.schemas.topic.Topics;
import io.streamrlhf.streams.app.StreamsApp;
import io.streamrlhf.streams.config.StreamsAppConfig;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.apache.kafka.streams.processor.TaskId;
import org.junit.jupiter.api.Test;

class SinkProductionExceptionHandlerTest {

    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();

    /** The coordinates of a source record, as Kafka Streams hands them to the handler. */
    private static ErrorHandlerContext source(String topic, long offset, byte[] rawKey, byte[] rawValue) {
        return new ErrorHandlerContext() {
            @Override
            public String topic() {
                return topic;
            }

            @Override
            public int partition() {
                return 1;
            }

            @Override
            public long offset() {
                return offset;
            }

            @Override
            public Headers headers() {
                return new RecordHeaders();
            }

            @Override
            public String processorNodeId() {
                return "kto-examples-sink";
            }

            @Override
            public TaskId taskId() {
                return new TaskId(0, 1);
            }

            @Override
            public long timestamp() {
                return 0;
            }

            @Override
            public byte[] sourceRawKey() {
                return rawKey;
            }

            @Override
            public byte[] sourceRawValue() {
                return rawValue;
            }
        };
    }

    private SinkProductionExceptionHandler handler() {
        SinkProductionExceptionHandler h = new SinkProductionExceptionHandler();
        h.configure(Map.of(
                DeadLetterProcessingExceptionHandler.REGISTRY_CONFIG,
                registry,
                DeadLetterProcessingExceptionHandler.TOPIC_CONFIG,
                "dead",
                SinkProductionExceptionHandler.SINK_TOPICS_CONFIG,
                List.of("examples", "dead")));
        return h;
    }

    private DeadLetter letter(ProducerRecord<byte[], byte[]> r) {
        return AvroSerde.forValues(DeadLetter.class, registry).deserializer().deserialize("dead", r.value());
    }

    @Test
    void failsOnAChangelogOrRepartitionRecordSoThatNoStateIsLostOnRestore() {
        ProductionExceptionHandler.Response r = handler()
                .handleError(
                        source("rlhf.feedback", 7, null, null),
                        new ProducerRecord<>("app-kto-response-state-changelog", new byte[1], new byte[1]),
                        new RecordTooLargeException("too large"));
        assertThat(r.result()).isEqualTo(ProductionExceptionHandler.Result.FAIL);
        assertThat(r.deadLetterQueueRecords()).isEmpty();
    }

    @Test
    void deadLettersASinkRecordThatCannotBeWrittenWithItsSourceCoordinatesAndGoesOn() {
        byte[] key = "r1".getBytes();
        ProductionExceptionHandler.Response r = handler()
                .handleSerializationError(
                        source("rlhf.feedback", 7, key, new byte[] {1, 2}),
                        new ProducerRecord<>("examples", "kto-1", "x"),
                        new RecordTooLargeException("too large"),
                        ProductionExceptionHandler.SerializationExceptionOrigin.VALUE);

        assertThat(r.result()).isEqualTo(ProductionExceptionHandler.Result.RESUME);
        assertThat(r.deadLetterQueueRecords()).singleElement().satisfies(record -> {
            assertThat(record.topic()).isEqualTo("dead");
            assertThat(record.key()).isEqualTo(key);
            DeadLetter d = letter(record);
            assertThat(DeadLetters.reasonOf(d)).isEqualTo(DeadLetterReason.OUTPUT_NOT_WRITTEN);
            assertThat(d.getReason()).contains("examples");
            assertThat(d.getTopic()).isEqualTo("rlhf.feedback");
            assertThat(d.getPartition()).isEqualTo(1);
            assertThat(d.getOffset()).isEqualTo(7L);
            assertThat(d.getErrorClass()).isEqualTo(RecordTooLargeException.class.getName());
            assertThat(DeadLetters.toBytes(d.getOriginalValue())).containsExactly(1, 2);
        });
    }

    @Test
    void replacesADeadLetterThatCannotBeWrittenByOneWithoutTheOriginalBytes() {
        byte[] hugeKey = new byte[100_000];
        ProductionExceptionHandler.Response r = handler()
                .handleError(
                        source("rlhf.feedback", 3, hugeKey, new byte[900_000]),
                        new ProducerRecord<>("dead", hugeKey, new byte[1_000_100]),
                        new RecordTooLargeException("too large"));

        assertThat(r.result()).isEqualTo(ProductionExceptionHandler.Result.RESUME);
        assertThat(r.deadLetterQueueRecords()).singleElement().satisfies(record -> {
            assertThat(record.key()).isNull();
            assertThat(record.value().length).isLessThan(2_000);
            DeadLetter d = letter(record);
            assertThat(d.getOriginalKey()).isNull();
            assertThat(d.getOriginalValue()).isNull();
            assertThat(d.getOffset()).isEqualTo(3L);
        });
    }

    @Test
    void aDeadLetterTooLargeForItsTopicIsReplacedAndTheApplicationGoesOnProcessing() throws Exception {
        StreamsAppConfig config = StreamsAppConfig.fromProperties(
                Map.of(
                        "bootstrap.servers",
                        "localhost:9092",
                        "kto.settle.delay",
                        "0s",
                        "kto.user.labels.per.hour",
                        "0",
                        "streams.state.dir",
                        Files.createTempDirectory("sink-handler-").toString()),
                registry);
        StreamsApp app = new StreamsApp(config);
        Topics topics = new Topics(config.topicNames(), registry);
        try (TopologyTestDriver driver = new TopologyTestDriver(app.topology(), StreamsApp.streamsProperties(config))) {
            TestInputTopic<byte[], byte[]> raw = driver.createInputTopic(
                    topics.feedback().name(), new ByteArraySerializer(), new ByteArraySerializer());
            TestInputTopic<String, ResponseGenerated> responses = driver.createInputTopic(
                    topics.responses().name(),
                    topics.responses().keySerde().serializer(),
                    topics.responses().valueSerde().serializer());
            TestInputTopic<String, Feedback> feedback = driver.createInputTopic(
                    topics.feedback().name(),
                    topics.feedback().keySerde().serializer(),
                    topics.feedback().valueSerde().serializer());
            TestOutputTopic<byte[], DeadLetter> dead = driver.createOutputTopic(
                    topics.deadLetters().name(),
                    new ByteArrayDeserializer(),
                    topics.deadLetters().valueSerde().deserializer());
            TestOutputTopic<String, KtoExample> examples = driver.createOutputTopic(
                    topics.ktoExamples().name(),
                    topics.ktoExamples().keySerde().deserializer(),
                    topics.ktoExamples().valueSerde().deserializer());

            // Undecodable, with a 400 KB key and a 600 KB value: its dead letter holds both, 1 MB in all.
            byte[] key = new byte[400_000];
            byte[] value = new byte[600_000];
            Arrays.fill(key, (byte) 'k');
            Arrays.fill(value, (byte) 'v');
            raw.pipeInput(key, value, 1_000L);
            responses.pipeInput("r1", response("r1", "p1", "answer", 1, 2_000L), 2_000L);
            feedback.pipeInput("r1", up("f1", "r1", "u1", 2_001L), 2_001L);

            assertThat(dead.readValuesToList()).singleElement().satisfies(d -> {
                assertThat(DeadLetters.reasonOf(d)).isEqualTo(DeadLetterReason.OUTPUT_NOT_WRITTEN);
                assertThat(d.getReason()).contains(topics.deadLetters().name());
                assertThat(d.getTopic()).isEqualTo(topics.feedback().name());
                assertThat(d.getOffset()).isZero();
                assertThat(d.getOriginalValue()).isNull();
            });
            assertThat(examples.readValuesToList())
                    .singleElement()
                    .satisfies(e -> assertThat(e.getResponseId()).isEqualTo("r1"));
        }
    }
}
