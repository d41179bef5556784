package io.streamrlhf.streams.common;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrlhf.schemas.registry.InMemorySchemaRegistry;
import io.streamrlhf.schemas.serde.AvroSerde;
import io.streamrlhf.schemas.serde.AvroSerdeRoundTripTest;
import io.streamrlhf.schemas.serde.SampleRecords;
import io.streamrlhf.schemas.serde.WireFormat;
import io.streamrlhf.streams.avro.DerivedPromptState;
import io.streamrlhf.streams.avro.KtoDecision;
import io.streamrlhf.streams.avro.KtoResponseState;
import io.streamrlhf.streams.avro.MonitorEvent;
import io.streamrlhf.streams.avro.PendingPreference;
import io.streamrlhf.streams.avro.PromptSnapshot;
import io.streamrlhf.streams.avro.ResponseSnapshot;
import io.streamrlhf.streams.avro.RolloutGroup;
import io.streamrlhf.streams.avro.VersionMinuteStats;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.stream.Stream;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The state and repartition records are written through their generated custom coders: the bytes must be those of
 * Avro's own writer, and they must read back equal, nulls and empty lists included.
 */
class StateRecordSerdeTest {

    static Stream<Class<? extends SpecificRecord>> everyStateRecord() {
        return Stream.of(
                KtoResponseState.class,
                KtoDecision.class,
                ResponseSnapshot.class,
                DerivedPromptState.class,
                PendingPreference.class,
                RolloutGroup.class,
                PromptSnapshot.class,
                MonitorEvent.class,
                VersionMinuteStats.class);
    }

    @ParameterizedTest
    @MethodSource("everyStateRecord")
    <T extends SpecificRecord> void writesAvrosBytesAndReadsBackEveryField(Class<T> type) throws Exception {
        assertWritesAvrosBytesAndReadsBack(type, SampleRecords.populated(type, 3));
    }

    @Test
    void writesAFreshResponseStateWithNullsAndEmptyLists() throws Exception {
        KtoResponseState fresh =
                new KtoResponseState("r-1", null, new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), -1L);
        assertWritesAvrosBytesAndReadsBack(KtoResponseState.class, fresh);
    }

    private static <T extends SpecificRecord> void assertWritesAvrosBytesAndReadsBack(Class<T> type, T record)
            throws Exception {
        AvroSerde<T> serde = AvroSerde.forValues(type, new InMemorySchemaRegistry());
        byte[] bytes = serde.serializer().serialize("state", record);
        assertThat(Arrays.copyOfRange(bytes, WireFormat.HEADER_SIZE, bytes.length))
                .isEqualTo(AvroSerdeRoundTripTest.avroGenericBytes(record));
        assertThat(serde.deserializer().deserialize("state", bytes)).isEqualTo(record);
    }
}
