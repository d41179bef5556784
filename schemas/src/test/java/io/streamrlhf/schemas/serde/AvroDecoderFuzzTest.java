package io.streamrlhf.schemas.serde;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.streamrlhf.avro.DpoPair;
import io.streamrlhf.avro.Feedback;
import io.streamrlhf.avro.PolicyVersion;
import io.streamrlhf.avro.ResponseGenerated;
import io.streamrlhf.schemas.registry.InMemorySchemaRegistry;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * The Avro decoder over arbitrary bytes in the Confluent wire format: every input decodes or fails with a
 * {@link RecordDecodeException}; any other exception (or an out-of-memory error) is a bug. The registry knows
 * four writer schemas (ids 1-4), so a fuzzed header reaches both the known-schema and the schema-resolution
 * paths. Regression inputs: {@code src/test/resources/io/streamrlhf/schemas/serde/AvroDecoderFuzzTestInputs}.
 */
class AvroDecoderFuzzTest {

    private static final InMemorySchemaRegistry REGISTRY = new InMemorySchemaRegistry();
    private static final List<Deserializer<? extends SpecificRecord>> READERS;

    static {
        REGISTRY.register("feedback-value", Feedback.getClassSchema());
        REGISTRY.register("responses-value", ResponseGenerated.getClassSchema());
        REGISTRY.register("pairs-value", DpoPair.getClassSchema());
        REGISTRY.register("versions-value", PolicyVersion.getClassSchema());
        READERS = List.of(
                AvroSerde.forValues(Feedback.class, REGISTRY).deserializer(),
                AvroSerde.forValues(ResponseGenerated.class, REGISTRY).deserializer(),
                AvroSerde.forValues(DpoPair.class, REGISTRY).deserializer(),
                AvroSerde.forValues(PolicyVersion.class, REGISTRY).deserializer());
    }

    @FuzzTest(maxDuration = "3m")
    void decodesOrRefusesWithARecordDecodeException(byte[] data) {
        for (Deserializer<? extends SpecificRecord> reader : READERS) {
            try {
                reader.deserialize("fuzz", data);
            } catch (RecordDecodeException expected) {
                // the documented refusal
            }
        }
    }
}
