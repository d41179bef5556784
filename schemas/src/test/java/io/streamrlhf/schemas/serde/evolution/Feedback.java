package io.streamrlhf.schemas.serde.evolution;

import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Conversion;
import org.apache.avro.Schema;
import org.apache.avro.data.TimeConversions;
import org.apache.avro.generic.GenericData;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * Version 2 of the Feedback contract, as a later release would ship it: the same record with one added,
 * defaulted field {@code channel}. Built from the real contract in code rather than generated, so tests can
 * play "new reader" and "new writer" against the generated v1 class. The record keeps the simple name
 * {@code Feedback} (Avro resolution matches unqualified names); the namespace differs only so that Avro finds
 * this class, not the generated one, for it. Fields hold the values the generated
 * classes use (timestamps as {@link java.time.Instant}, enums as the generated enum).
 */
public final class Feedback extends SpecificRecordBase {

    /** The v2 schema: v1's fields plus {@code channel} (string, default {@code "web"}). */
    public static final Schema SCHEMA$ = v2Schema();
    /** The data model, found by Avro as generated classes' is: timestamps convert to {@link java.time.Instant}. */
    public static final SpecificData MODEL$ = new SpecificData();

    static {
        MODEL$.addLogicalTypeConversion(new TimeConversions.TimestampMillisConversion());
    }

    private final Object[] values = new Object[SCHEMA$.getFields().size()];

    private static Schema v2Schema() {
        Schema v1 = io.streamrlhf.avro.Feedback.getClassSchema();
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field field : v1.getFields()) {
            fields.add(new Schema.Field(field, field.schema()));
        }
        Schema string = Schema.create(Schema.Type.STRING);
        // Generated classes read strings as java.lang.String (stringType=String); the added field does too.
        string.addProp(GenericData.STRING_PROP, GenericData.StringType.String.name());
        fields.add(new Schema.Field("channel", string, "Where the feedback was given.", "web"));
        return Schema.createRecord("Feedback", v1.getDoc(), Feedback.class.getPackageName(), false, fields);
    }

    @Override
    public Conversion<?> getConversion(int field) {
        // Specific writers and readers ask the record, not the model, which field converts.
        Schema schema = SCHEMA$.getFields().get(field).schema();
        return schema.getLogicalType() == null ? null : MODEL$.getConversionFor(schema.getLogicalType());
    }

    @Override
    public SpecificData getSpecificData() {
        return MODEL$;
    }

    @Override
    public Schema getSchema() {
        return SCHEMA$;
    }

    @Override
    public Object get(int field) {
        return values[field];
    }

    @Override
    public void put(int field, Object value) {
        values[field] = value;
    }

    /** The value of {@code name}. */
    public Object get(String name) {
        return values[SCHEMA$.getField(name).pos()];
    }

    /** Sets {@code name} and returns this record. */
    public Feedback with(String name, Object value) {
        values[SCHEMA$.getField(name).pos()] = value;
        return this;
    }
}
