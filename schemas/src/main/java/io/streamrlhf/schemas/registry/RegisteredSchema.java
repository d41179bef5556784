package io.streamrlhf.schemas.registry;

import java.util.Objects;
import org.apache.avro.Schema;

/**
 * One version of a schema under a subject, as the registry returns it.
 *
 * @param subject the subject name, for example {@code rlhf.feedback-value}
 * @param version the version under the subject, starting at 1
 * @param id the global schema id written into every record's header
 * @param schema the parsed Avro schema
 */
public record RegisteredSchema(String subject, int version, int id, Schema schema) {
    public RegisteredSchema {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(schema, "schema");
        if (version < 1 || id < 0) {
            throw new IllegalArgumentException(
                    "version must be >= 1 and id >= 0, got version=" + version + " id=" + id);
        }
    }
}
