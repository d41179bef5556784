package io.streamrlhf.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrlhf.avro.CanaryDecision;
import io.streamrlhf.avro.CanaryEvidence;
import io.streamrlhf.avro.DeadLetter;
import io.streamrlhf.avro.DpoPair;
import io.streamrlhf.avro.Feedback;
import io.streamrlhf.avro.JudgeVerdict;
import io.streamrlhf.avro.KtoExample;
import io.streamrlhf.avro.PairwisePreference;
import io.streamrlhf.avro.PolicyVersion;
import io.streamrlhf.avro.Prompt;
import io.streamrlhf.avro.ResponseGenerated;
import io.streamrlhf.avro.TrainerMetrics;
import io.streamrlhf.schemas.registry.InMemorySchemaRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.stream.Stream;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

public class AvroSerdeRoundTripTest {

    static Stream<Class<? extends SpecificRecord>> everyContract() {
        return Stream.of(
                ResponseGenerated.class,
                Feedback.class,
                PairwisePreference.class,
                Prompt.class,
                JudgeVerdict.class,
                KtoExample.class,
                DpoPair.class,
                PolicyVersion.class,
                TrainerMetrics.class,
                DeadLetter.class,
                CanaryDecision.class,
                CanaryEvidence.class);
    }

    @ParameterizedTest
    @MethodSource("everyContract")
    <T extends SpecificRecord> void readsBackEveryFieldOfEveryContract(Class<T> type) {
        // given
        InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        AvroSerde<T> serde = AvroSerde.forValues(type, registry);
        T original = SampleRecords.populated(type, 7);

        // when
        byte[] bytes = serde.serializer().serialize("t", original);
        T read = serde.deserializer().deserialize("t", bytes);

        // then
        assertThat(read).isEqualTo(original);
        assertThat(read.toString()).isEqualTo(original.toString());
        assertThat(registry.latest(WireFormat.valueSubject("t")).schema()).isEqualTo(original.getSchema());
    }

    @ParameterizedTest
    @MethodSource("everyContract")
    <T extends SpecificRecord> void writesTheSameBytesAsAvrosOwnWriter(Class<T> type) throws Exception {
        // given: the serializer encodes through generated custom coders where a class has them
        InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        AvroSerde<T> serde = AvroSerde.forValues(type, registry);
        T original = SampleRecords.populated(type, 11);

        // when
        byte[] bytes = serde.serializer().serialize("t", original);

        // then: the payload after the 5-byte header is what Avro's reflective writer produces
        assertThat(Arrays.copyOfRange(bytes, WireFormat.HEADER_SIZE, bytes.length))
                .isEqualTo(avroGenericBytes(original));
    }

    /** {@code record} encoded by Avro's default writer for its class (custom coders off). */
    public static byte[] avroGenericBytes(SpecificRecord record) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
        new SpecificDatumWriter<SpecificRecord>(record.getSchema()).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    @Test
    void writesConfluentWireFormatHeaderWithTheRegisteredId() {
        // given
        InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        registry.register("other-value", Prompt.getClassSchema());
        AvroSerde<Feedback> serde = AvroSerde.forValues(Feedback.class, registry);

        // when
        byte[] bytes = serde.serializer().serialize("rlhf.feedback", SampleRecords.feedback("f1"));

        // then
        int id = registry.lookup("rlhf.feedback-value", Feedback.getClassSchema());
        assertThat(id).isEqualTo(2);
        assertThat(bytes[0]).isEqualTo(WireFormat.MAGIC_BYTE);
        assertThat(ByteBuffer.wrap(bytes, 1, 4).getInt()).isEqualTo(id);
        assertThat(serde.deserializer().deserialize("rlhf.feedback", bytes)).isEqualTo(SampleRecords.feedback("f1"));
    }

    @Test
    void keySerdeRegistersUnderTheKeySubject() {
        // given
        InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        AvroSerde<Prompt> serde = AvroSerde.of(Prompt.getClassSchema(), registry, true, true);

        // when
        serde.serializer().serialize("prompts", SampleRecords.populated(Prompt.class, 1));

        // then
        assertThat(registry.subjects()).containsExactly("prompts-key");
    }

    @Test
    void nullValueIsATombstoneBothWays() {
        AvroSerde<Feedback> serde = AvroSerde.forValues(Feedback.class, new InMemorySchemaRegistry());

        assertThat(serde.serializer().serialize("t", null)).isNull();
        assertThat(serde.deserializer().deserialize("t", null)).isNull();
    }
}
