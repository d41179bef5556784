package io.streamrlhf.schemas.serde;

import io.streamrlhf.avro.Feedback;
import io.streamrlhf.avro.FeedbackKind;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/**
 * Builds fully populated instances of generated record classes from their schemas, so a round-trip test
 * covers every field of every contract (and new contracts automatically). Deterministic per seed; unions take
 * their non-null branch so optional fields carry data.
 */
public final class SampleRecords {

    private SampleRecords() {}

    /** A Feedback with every field set, including the optional comment. */
    public static Feedback feedback(String id) {
        return Feedback.newBuilder()
                .setFeedbackId(id)
                .setResponseId("resp-" + id)
                .setUserId("user-42")
                .setKind(FeedbackKind.THUMBS_DOWN)
                .setComment("too long, ünïcödé ✓")
                .setEventTime(Instant.ofEpochMilli(1_764_000_000_123L))
                .build();
    }

    /** An instance of {@code type} with every field populated from {@code seed}. */
    @SuppressWarnings("unchecked")
    public static <T extends SpecificRecord> T populated(Class<T> type, long seed) {
        Schema schema = SpecificData.get().getSchema(type);
        return (T) value(schema, new Random(seed));
    }

    private static Object value(Schema schema, Random random) {
        if (schema.getLogicalType() instanceof LogicalTypes.TimestampMillis) {
            return Instant.ofEpochMilli(1_700_000_000_000L + random.nextInt(1_000_000_000));
        }
        switch (schema.getType()) {
            case RECORD: {
                SpecificRecord record = (SpecificRecord) SpecificData.get().newRecord(null, schema);
                for (Schema.Field field : schema.getFields()) {
                    record.put(field.pos(), value(field.schema(), random));
                }
                return record;
            }
            case ENUM:
                return SpecificData.get()
                        .createEnum(
                                schema.getEnumSymbols()
                                        .get(random.nextInt(
                                                schema.getEnumSymbols().size())),
                                schema);
            case UNION: {
                Schema branch = schema.getTypes().stream()
                        .filter(s -> s.getType() != Schema.Type.NULL)
                        .findFirst()
                        .orElse(schema.getTypes().get(0));
                return value(branch, random);
            }
            case ARRAY: {
                List<Object> items = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    items.add(value(schema.getElementType(), random));
                }
                return items;
            }
            case MAP: {
                Map<String, Object> map = new LinkedHashMap<>();
                for (int i = 0; i < 3; i++) {
                    map.put("k" + i, value(schema.getValueType(), random));
                }
                return map;
            }
            case STRING:
                return "s" + random.nextInt(1000) + "-é✓";
            case BYTES:
                byte[] bytes = new byte[5];
                random.nextBytes(bytes);
                return ByteBuffer.wrap(bytes);
            case INT:
                return random.nextInt();
            case LONG:
                return random.nextLong();
            case FLOAT:
                return random.nextFloat() - 0.5f;
            case DOUBLE:
                return random.nextDouble() - 0.5;
            case BOOLEAN:
                return random.nextBoolean();
            case NULL:
                return null;
            default:
                throw new IllegalArgumentException("No sample for " + schema);
        }
    }
}
