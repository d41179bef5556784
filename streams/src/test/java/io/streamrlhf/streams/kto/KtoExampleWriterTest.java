package io.streamrlhf.streams.kto;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrlhf.avro.KtoExample;
import io.streamrlhf.schemas.registry.InMemorySchemaRegistry;
import io.streamrlhf.schemas.serde.AvroSerde;
import io.streamrlhf.schemas.serde.SampleRecords;
import io.streamrlhf.streams.avro.KtoDecision;
import io.streamrlhf.streams.avro.SourceOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.avro.Schema;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.Test;

/** The KTO sink's hand-written examples are, byte for byte, what Avro's writer makes of the same decision. */
class KtoExampleWriterTest {

    private final Serializer<KtoExample> avro =
            AvroSerde.forValues(KtoExample.class, new InMemorySchemaRegistry()).serializer();

    @Test
    void writesByHandWhileKtoExampleHasTheLayoutWrittenDownForIt() {
        // Fails when KtoExample's contract changes: extend the writer (and LAYOUT) with the new field.
        assertThat(KtoExampleWriter.layoutOf(KtoExample.getClassSchema())).isEqualTo(KtoExampleWriter.LAYOUT);
        assertThat(new KtoExampleWriter(avro).handWritten()).isTrue();
    }

    @Test
    void writesAvrosBytesForPopulatedDecisions() {
        KtoExampleWriter writer = new KtoExampleWriter(avro);
        for (long seed = 1; seed <= 20; seed++) {
            KtoDecision d = SampleRecords.populated(KtoDecision.class, seed);
            assertWritesAvrosBytes(writer, "rlhf.examples.kto", d);
        }
    }

    @Test
    void writesAvrosBytesForRandomDecisionsOnTwoTopics() {
        KtoExampleWriter writer = new KtoExampleWriter(avro);
        Random random = new Random(21);
        for (int round = 0; round < 300; round++) {
            // The first record of each topic goes through Avro's writer; the rest are written by hand.
            String topic = round % 50 < 25 ? "examples-a" : "examples-b";
            assertWritesAvrosBytes(writer, topic, randomDecision(random));
        }
    }

    @Test
    void aChangedContractIsWrittenByAvroNotInTheOldLayout() {
        Schema.Parser parser = new Schema.Parser();
        String json = KtoExample.getClassSchema()
                .toString()
                .replace(
                        "{\"name\":\"truncated\"",
                        "{\"name\":\"extra\",\"type\":\"string\",\"default\":\"\"},{\"name\":\"truncated\"");
        KtoExampleWriter writer = new KtoExampleWriter(avro, parser.parse(json));
        assertThat(writer.handWritten()).isFalse();
        assertWritesAvrosBytes(writer, "t", randomDecision(new Random(22)));
        assertWritesAvrosBytes(writer, "t", randomDecision(new Random(23)));
    }

    private void assertWritesAvrosBytes(KtoExampleWriter writer, String topic, KtoDecision d) {
        assertThat(writer.serialize(topic, d)).isEqualTo(avro.serialize(topic, KtoExamples.toExample(d)));
    }

    private static KtoDecision randomDecision(Random random) {
        List<SourceOffset> offsets = new ArrayList<>();
        for (int i = random.nextInt(4); i > 0; i--) {
            offsets.add(new SourceOffset(text(random, 30), random.nextInt(), random.nextLong()));
        }
        double[] weights = {0.0, 1.0, -0.0, Double.NaN, random.nextDouble()};
        KtoDecision d = new KtoDecision();
        d.setExampleId(text(random, 40));
        d.setResponseId(text(random, 40));
        d.setUserId(text(random, 20));
        d.setPromptId(text(random, 20));
        d.setPrompt(text(random, 300));
        d.setCompletion(text(random, random.nextInt(10) == 0 ? 20_000 : 1_000));
        d.setLabel(random.nextBoolean());
        d.setWeight(weights[random.nextInt(weights.length)]);
        d.setCorrection(random.nextBoolean());
        d.setCapped(random.nextBoolean());
        d.setPolicyVersion(random.nextInt(3) == 0 ? -random.nextInt(1000) : random.nextLong() >>> random.nextInt(64));
        d.setResponseTime(1_700_000_000_000L + random.nextInt());
        d.setFeedbackTime(random.nextBoolean() ? -random.nextInt(1000) : 1_700_000_000_000L + random.nextInt());
        d.setSourceOffsets(offsets);
        d.setTruncated(random.nextBoolean());
        return d;
    }

    private static String text(Random random, int maxLength) {
        String alphabet = "abcXYZ019 é漢😀";
        StringBuilder b = new StringBuilder();
        int n = random.nextInt(maxLength + 1);
        while (b.length() < n) {
            b.appendCodePoint(alphabet.codePointAt(
                    alphabet.offsetByCodePoints(0, random.nextInt(alphabet.codePointCount(0, alphabet.length())))));
        }
        return b.toString();
    }
}
