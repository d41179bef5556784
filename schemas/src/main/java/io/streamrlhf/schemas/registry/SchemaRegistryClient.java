package io.streamrlhf.schemas.registry;

import java.io.Closeable;
import java.util.List;
import org.apache.avro.Schema;

/**
 * The subset of the Confluent Schema Registry API that StreamRLHF uses.
 *
 * <p>Implementations: {@link RestSchemaRegistryClient} talks HTTP to any Confluent-compatible registry
 * (Confluent's own, Apicurio's ccompat API, Karapace, or our embedded one); {@link InMemorySchemaRegistry}
 * keeps everything in the process for unit and topology tests.
 */
public interface SchemaRegistryClient extends Closeable {

    /** Registers {@code schema} under {@code subject} (or finds it there) and returns its global id. */
    int register(String subject, Schema schema);

    /** Returns the id of {@code schema} if it is already registered under {@code subject}. */
    int lookup(String subject, Schema schema);

    /** Returns the schema with global id {@code id}. */
    Schema getById(int id);

    /** Returns the latest version registered under {@code subject}. */
    RegisteredSchema latest(String subject);

    /** Returns all versions numbers registered under {@code subject}, ascending. */
    List<Integer> versions(String subject);

    /** Returns whether {@code schema} may be registered under {@code subject} by the subject's rules. */
    boolean isCompatible(String subject, Schema schema);

    /** Returns the compatibility level in force for {@code subject} (its own, else the global one). */
    CompatibilityLevel compatibility(String subject);

    /** Sets the compatibility level for {@code subject}; {@code null} subject sets the global level. */
    void setCompatibility(String subject, CompatibilityLevel level);

    @Override
    default void close() {}
}
