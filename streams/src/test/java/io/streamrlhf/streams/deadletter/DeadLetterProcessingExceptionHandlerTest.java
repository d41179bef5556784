package io.streamrlhf.streams.deadletter;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrlhf.avro.DeadLetter;
import io.streamrlhf.schemas.registry.InMemorySchemaRegistry;
import io.streamrlhf.schemas.serde.AvroSerde;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;

class DeadLetterProcessingExceptionHandlerTest {

    /** A processor that fails on one value, standing in for a bug or an unforeseen input. */
    static final class FailsOnBoom implements Processor<String, String, String, String> {
        private ProcessorContext<String, String> context;

        @Override
        public void init(ProcessorContext<String, String> context) {
            this.context = context;
        }

        @Override
        public void process(Record<String, String> record) {
            if (record.value().equals("boom")) {
                throw new IllegalStateException("cannot handle boom");
            }
            context.forward(record);
        }
    }

    @Test
    void deadLettersTheSourceRecordWhenAProcessorThrowsAndKeepsProcessing() {
        InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        Topology topology = new Topology();
        topology.addSource("in", new StringDeserializer(), new StringDeserializer(), "in");
        topology.addProcessor("fails-on-boom", FailsOnBoom::new, "in");
        topology.addSink("out", "out", new StringSerializer(), new StringSerializer(), "fails-on-boom");
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "handler-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "dummy:9092");
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterProcessingExceptionHandler.class);
        props.put(DeadLetterProcessingExceptionHandler.REGISTRY_CONFIG, registry);
        props.put(DeadLetterProcessingExceptionHandler.TOPIC_CONFIG, "dead");

        try (TopologyTestDriver driver = new TopologyTestDriver(topology, props)) {
            TestInputTopic<byte[], byte[]> in =
                    driver.createInputTopic("in", new ByteArraySerializer(), new ByteArraySerializer());
            TestOutputTopic<String, String> out =
                    driver.createOutputTopic("out", new StringDeserializer(), new StringDeserializer());
            TestOutputTopic<byte[], DeadLetter> dead = driver.createOutputTopic(
                    "dead",
                    new ByteArrayDeserializer(),
                    AvroSerde.forValues(DeadLetter.class, registry).deserializer());
            for (String v : List.of("ok", "boom", "ok2")) {
                in.pipeInput("k".getBytes(StandardCharsets.UTF_8), v.getBytes(StandardCharsets.UTF_8));
            }

            assertThat(out.readValuesToList()).containsExactly("ok", "ok2");
            assertThat(dead.readValuesToList()).singleElement().satisfies(d -> {
                assertThat(DeadLetters.reasonOf(d)).isEqualTo(DeadLetterReason.PROCESSING_ERROR);
                assertThat(d.getTopic()).isEqualTo("in");
                assertThat(d.getOffset()).isEqualTo(1L);
                assertThat(d.getErrorClass()).isEqualTo(IllegalStateException.class.getName());
                assertThat(new String(DeadLetters.toBytes(d.getOriginalValue()), StandardCharsets.UTF_8))
                        .isEqualTo("boom");
            });
        }
    }
}
