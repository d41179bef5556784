package io.streamrlhf.streams.common;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericContainer;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.util.Utf8;

/**
 * How many bytes an Avro record takes on the wire (the Confluent header plus the binary body), computed from the
 * record without serializing it, so a processor can check a state value against its bound before it writes the
 * store. {@link #upperBound} counts three bytes per character of a string (the most UTF-8 needs for one UTF-16
 * unit) and so never reads a string's characters; {@link #exact} counts its UTF-8 bytes. {@link #fits} tries the
 * upper bound first and counts exactly only when that is over the limit: a state far below its bound costs one walk
 * over its fields, not over its text.
 */
public final class AvroSize {

    /** The Confluent wire-format header: magic byte and schema id. */
    public static final int HEADER_BYTES = 5;

    private AvroSize() {}

    /** Whether {@code record}, serialized with its header, takes at most {@code maxBytes}. */
    public static boolean fits(IndexedRecord record, long maxBytes) {
        return upperBound(record) <= maxBytes || exact(record) <= maxBytes;
    }

    /** The serialized size of {@code record} with its header, never less than the true size. */
    public static long upperBound(IndexedRecord record) {
        return HEADER_BYTES + size(record.getSchema(), record, false);
    }

    /** The serialized size of {@code record} with its header. */
    public static long exact(IndexedRecord record) {
        return HEADER_BYTES + size(record.getSchema(), record, true);
    }

    private static long size(Schema schema, Object datum, boolean exact) {
        return switch (schema.getType()) {
            case NULL -> 0;
            case BOOLEAN -> 1;
            case INT -> varint(zigzag(((Number) datum).intValue()));
            case LONG -> varint(zigzag(longValue(datum)));
            case FLOAT -> 4;
            case DOUBLE -> 8;
            case STRING -> string((CharSequence) datum, exact);
            case BYTES -> {
                int n = ((ByteBuffer) datum).remaining();
                yield varint(zigzag(n)) + n;
            }
            case FIXED -> schema.getFixedSize();
            case ENUM -> varint(zigzag(schema.getEnumOrdinal(datum.toString())));
            case RECORD -> {
                IndexedRecord r = (IndexedRecord) datum;
                List<Schema.Field> fields = schema.getFields();
                long n = 0;
                for (int i = 0, count = fields.size(); i < count; i++) {
                    n += size(fields.get(i).schema(), r.get(i), exact);
                }
                yield n;
            }
            case ARRAY -> {
                Collection<?> items = (Collection<?>) datum;
                long n = blockFraming(items.size());
                for (Object item : items) {
                    n += size(schema.getElementType(), item, exact);
                }
                yield n;
            }
            case MAP -> {
                Map<?, ?> entries = (Map<?, ?>) datum;
                long n = blockFraming(entries.size());
                for (Map.Entry<?, ?> e : entries.entrySet()) {
                    n += string((CharSequence) e.getKey(), exact) + size(schema.getValueType(), e.getValue(), exact);
                }
                yield n;
            }
            case UNION -> {
                List<Schema> types = schema.getTypes();
                int branch;
                // The common optional field, ["null", X] or [X, "null"], without a lookup by type name.
                if (types.size() == 2 && types.get(0).getType() == Schema.Type.NULL) {
                    branch = datum == null ? 0 : 1;
                } else if (types.size() == 2 && types.get(1).getType() == Schema.Type.NULL) {
                    branch = datum == null ? 1 : 0;
                } else {
                    branch = unionBranch(schema, datum);
                }
                yield varint(zigzag(branch)) + size(types.get(branch), datum, exact);
            }
        };
    }

    /** An array or map is written as one block: its item count, the items, then a zero count. */
    private static long blockFraming(int count) {
        return count == 0 ? 1 : varint(zigzag(count)) + 1;
    }

    private static long string(CharSequence s, boolean exact) {
        long n;
        if (s instanceof Utf8 u) {
            n = u.getByteLength();
        } else if (exact) {
            n = utf8Length(s);
        } else {
            n = 3L * s.length();
        }
        return varint(zigzag(n)) + n;
    }

    /** The UTF-8 length of {@code s} as {@link String#getBytes} encodes it (a lone surrogate becomes one '?'). */
    public static long utf8Length(CharSequence s) {
        long n = 0;
        int len = s.length();
        for (int i = 0; i < len; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n += 1;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < len && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else if (Character.isSurrogate(c)) {
                n += 1;
            } else {
                n += 3;
            }
        }
        return n;
    }

    private static long longValue(Object datum) {
        // Generated classes hand out timestamp-millis fields as Instants.
        return datum instanceof Instant i ? i.toEpochMilli() : ((Number) datum).longValue();
    }

    private static int unionBranch(Schema union, Object datum) {
        if (datum == null) {
            Integer i = union.getIndexNamed(Schema.Type.NULL.getName());
            if (i == null) {
                throw new IllegalArgumentException("null in a union without null: " + union);
            }
            return i;
        }
        if (datum instanceof GenericContainer c && !(datum instanceof GenericFixed)) {
            Integer i = union.getIndexNamed(c.getSchema().getFullName());
            if (i != null) {
                return i;
            }
        }
        return GenericData.get().resolveUnion(union, datum);
    }

    private static long zigzag(long v) {
        return (v << 1) ^ (v >> 63);
    }

    private static int varint(long zigzagged) {
        // 7 bits per byte; zero still takes one byte.
        int bits = 64 - Long.numberOfLeadingZeros(zigzagged | 1);
        return (bits + 6) / 7;
    }
}
