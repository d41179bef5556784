package io.streamrlhf.bench.schemas;

import io.streamrlhf.avro.KtoExample;
import io.streamrlhf.avro.OffsetRange;
import io.streamrlhf.schemas.registry.InMemorySchemaRegistry;
import io.streamrlhf.schemas.serde.AvroSerializer;
import io.streamrlhf.schemas.serde.WireFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;

/**
 * Nanoseconds per {@code KtoExample} through {@link AvroSerializer}, side by side in one run with the same record
 * written the common way: a fresh {@link ByteArrayOutputStream} (synchronized writes, grown from small) and Avro's
 * direct encoder, the same custom-coder datum writer and the same wire-format header. A program, not a test:
 * {@code bench/run SerializerBenchmark [records=1000000] [rounds=6]}.
 */
public final class SerializerBenchmark {

    private SerializerBenchmark() {}

    public static void main(String[] args) throws IOException {
        int records = 1_000_000;
        int rounds = 6;
        for (String arg : args) {
            if (arg.startsWith("records=")) {
                records = Integer.parseInt(arg.substring(8));
            } else if (arg.startsWith("rounds=")) {
                rounds = Integer.parseInt(arg.substring(7));
            }
        }
        KtoExample example = example();
        AvroSerializer<KtoExample> serializer =
                new AvroSerializer<>(new InMemorySchemaRegistry(), KtoExample.getClassSchema(), false, true);
        SpecificDatumWriter<KtoExample> writer = new SpecificDatumWriter<>(
                KtoExample.getClassSchema(), AvroSerializer.customCoding(KtoExample.getClassSchema()));
        BinaryEncoder reuse = null;
        System.out.printf(
                "%d records of %d bytes a round; the last round counts, earlier ones warm the JIT%n",
                records, serializer.serialize("t", example).length);
        for (int round = 1; round <= rounds; round++) {
            long checksum = 0;
            long t0 = System.nanoTime();
            for (int i = 0; i < records; i++) {
                checksum += serializer.serialize("t", example).length;
            }
            long t1 = System.nanoTime();
            for (int i = 0; i < records; i++) {
                ByteArrayOutputStream out = new ByteArrayOutputStream(128);
                out.write(WireFormat.MAGIC_BYTE);
                out.writeBytes(ByteBuffer.allocate(4).putInt(1).array());
                reuse = EncoderFactory.get().directBinaryEncoder(out, reuse);
                writer.write(example, reuse);
                reuse.flush();
                checksum += out.toByteArray().length;
            }
            long t2 = System.nanoTime();
            double ours = (t1 - t0) / (double) records;
            double common = (t2 - t1) / (double) records;
            System.out.printf(
                    "round %d: AvroSerializer %.0f ns/record, ByteArrayOutputStream + direct encoder "
                            + "%.0f ns/record, ratio %.2f (checksum %d)%n",
                    round, ours, common, common / ours, checksum);
        }
    }

    private static KtoExample example() {
        KtoExample e = new KtoExample();
        e.setExampleId("kto-5b1a7c8e-6f0d-3e21-9a4b-0c2d4e6f8a1b");
        e.setResponseId("r-12345");
        e.setUserId("u-12");
        e.setPrompt("prompt p-12345: what is the capital of the country north of here?");
        e.setCompletion("completion number 12345" + " and some more words".repeat(6));
        e.setLabel(true);
        e.setWeight(1.0);
        e.setCorrection(false);
        e.setPolicyVersion(3);
        e.setResponseTime(Instant.ofEpochMilli(1_700_000_000_000L));
        e.setFeedbackTime(Instant.ofEpochMilli(1_700_000_001_000L));
        e.setSourceOffsets(List.of(
                new OffsetRange("rlhf.responses", 1, 123L, 123L), new OffsetRange("rlhf.feedback", 1, 456L, 456L)));
        e.setTruncated(false);
        return e;
    }
}
