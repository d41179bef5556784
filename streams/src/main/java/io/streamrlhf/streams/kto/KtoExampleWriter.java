package io.streamrlhf.streams.kto;

import io.streamrlhf.avro.KtoExample;
import io.streamrlhf.schemas.serde.WireFormat;
import io.streamrlhf.streams.avro.KtoDecision;
import io.streamrlhf.streams.avro.SourceOffset;
import io.streamrlhf.streams.common.BinaryOut;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;
import org.apache.avro.LogicalType;
import org.apache.avro.Schema;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a {@link KtoDecision} as the {@code KtoExample} it becomes, the bytes Avro's writer gives for
 * {@link KtoExamples#toExample}, without making that record: {@code KtoExample} has timestamps, so Avro writes it on
 * its generic path (a field lookup and a conversion per field), and the join emits one per decided vote.
 *
 * <p>The layout follows {@code KtoExample}'s schema as it is written down here ({@link #LAYOUT}); when the generated
 * class's schema differs (a field was added), every record takes Avro's writer instead and a warning says so, so a
 * changed contract is never written in the old layout. The first record of a topic also goes through Avro's writer,
 * which registers the schema; its five-byte wire-format header (magic byte and schema id) starts every later record.
 */
final class KtoExampleWriter implements Serializer<KtoDecision> {

    /** {@code KtoExample}'s fields as this writer lays them out, in {@link #layoutOf}'s notation. */
    static final String LAYOUT = "exampleId:string,responseId:string,userId:string,prompt:string,"
            + "completion:string,label:boolean,weight:double,correction:boolean,policyVersion:long,"
            + "responseTime:long/timestamp-millis,feedbackTime:long/timestamp-millis,"
            + "sourceOffsets:array<OffsetRange{topic:string,partition:int,fromOffset:long,toOffset:long}>,"
            + "truncated:boolean";

    private static final Logger log = LoggerFactory.getLogger(KtoExampleWriter.class);

    private final Serializer<KtoExample> avro;
    private final boolean handWritten;
    private final ThreadLocal<BinaryOut> buffers = ThreadLocal.withInitial(BinaryOut::new);
    /** The header of the topic written last; immutable, so a thread that sees it sees it whole. */
    private volatile TopicHeader last;

    private record TopicHeader(String topic, byte[] header) {}

    KtoExampleWriter(Serializer<KtoExample> avro) {
        this(avro, KtoExample.getClassSchema());
    }

    /** @param schema the examples' schema, {@code KtoExample}'s own outside tests */
    KtoExampleWriter(Serializer<KtoExample> avro, Schema schema) {
        this.avro = Objects.requireNonNull(avro, "avro");
        String layout = layoutOf(schema);
        this.handWritten = LAYOUT.equals(layout);
        if (!handWritten) {
            log.warn(
                    "KtoExample's schema is not the layout the KTO sink writes by hand; writing every example with"
                            + " Avro's writer (slower). Schema: {}",
                    layout);
        }
    }

    /** Whether records are written by hand (the schema is the one written down here). */
    boolean handWritten() {
        return handWritten;
    }

    @Override
    public byte[] serialize(String topic, KtoDecision d) {
        if (d == null) {
            return null;
        }
        TopicHeader header = last;
        if (!handWritten
                || header == null
                || !(header.topic() == topic || header.topic().equals(topic))) {
            byte[] bytes = avro.serialize(topic, KtoExamples.toExample(d));
            if (handWritten && bytes != null && bytes.length >= WireFormat.HEADER_SIZE) {
                last = new TopicHeader(topic, Arrays.copyOf(bytes, WireFormat.HEADER_SIZE));
            }
            return bytes;
        }
        BinaryOut out = buffers.get().reset();
        out.write(header.header(), 0, WireFormat.HEADER_SIZE);
        out.string(d.getExampleId());
        out.string(d.getResponseId());
        out.string(d.getUserId());
        out.string(d.getPrompt());
        out.string(d.getCompletion());
        out.bool(d.getLabel());
        out.doubleValue(d.getWeight());
        out.bool(d.getCorrection());
        out.varlong(d.getPolicyVersion());
        out.varlong(d.getResponseTime());
        out.varlong(d.getFeedbackTime());
        List<SourceOffset> offsets = d.getSourceOffsets();
        if (!offsets.isEmpty()) {
            out.varlong(offsets.size());
            for (int i = 0, n = offsets.size(); i < n; i++) {
                SourceOffset o = offsets.get(i);
                out.string(o.getTopic());
                out.varlong(o.getPartition());
                out.varlong(o.getOffset());
                out.varlong(o.getOffset());
            }
        }
        out.varlong(0); // the end of the array's blocks
        out.bool(d.getTruncated());
        return out.toByteArray();
    }

    /** {@code schema}'s fields, types and logical types, in the notation of {@link #LAYOUT}. */
    static String layoutOf(Schema schema) {
        return schema.getFields().stream()
                .map(f -> f.name() + ":" + typeOf(f.schema()))
                .collect(Collectors.joining(","));
    }

    private static String typeOf(Schema s) {
        LogicalType logical = s.getLogicalType();
        String type = switch (s.getType()) {
            case RECORD -> s.getName() + "{" + layoutOf(s) + "}";
            case ARRAY -> "array<" + typeOf(s.getElementType()) + ">";
            case UNION ->
                s.getTypes().stream().map(KtoExampleWriter::typeOf).collect(Collectors.joining("|", "[", "]"));
            default -> s.getType().getName();
        };
        return logical == null ? type : type + "/" + logical.getName();
    }
}
