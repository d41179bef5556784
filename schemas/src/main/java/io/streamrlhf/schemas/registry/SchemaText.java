package io.streamrlhf.schemas.registry;

import org.apache.avro.Schema;

/** Parses schema text as registries exchange it, turning every way Avro can refuse it into one clear exception. */
public final class SchemaText {

    private SchemaText() {}

    /**
     * Parses {@code text} as a self-contained Avro schema (every named type defined inline).
     *
     * @throws IllegalArgumentException saying why the text is not a valid schema
     */
    public static Schema parse(String text) {
        try {
            return new Schema.Parser().parse(text);
        } catch (NullPointerException e) {
            // Avro 1.12 reports a reference to an undefined named type as an NPE on an "UnresolvedSchema".
            String message = String.valueOf(e.getMessage());
            if (message.contains("UnresolvedSchema")) {
                throw new IllegalArgumentException(
                        "it refers to a named type it does not define; "
                                + "send the full schema with every named type inlined",
                        e);
            }
            throw new IllegalArgumentException(message, e);
        } catch (RuntimeException e) {
            // SchemaParseException, AvroTypeException (bad defaults) and friends
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }
}
