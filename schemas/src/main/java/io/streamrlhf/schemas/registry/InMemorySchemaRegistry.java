package io.streamrlhf.schemas.registry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.avro.Schema;

/**
 * A schema registry held in process memory, with the same rules as the Confluent registry: global ids shared
 * by identical schemas across subjects, versions per subject, and compatibility checked on registration.
 *
 * <p>Used directly by unit and topology tests (as Confluent's mock client is), and as the state behind the
 * embedded registry server, which persists every change to a Kafka topic and replays it on start.
 */
public class InMemorySchemaRegistry implements SchemaRegistryClient {

    private final Map<Integer, Schema> schemasById = new HashMap<>();
    private final Map<String, Integer> idsByCanonical = new HashMap<>();
    private final Map<String, List<RegisteredSchema>> subjects = new HashMap<>();
    private final Map<String, CompatibilityLevel> subjectCompatibility = new HashMap<>();
    private CompatibilityLevel globalCompatibility = CompatibilityLevel.BACKWARD;
    private int nextId = 1;

    @Override
    public synchronized int register(String subject, Schema schema) {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(schema, "schema");
        List<RegisteredSchema> versions = subjects.getOrDefault(subject, List.of());
        for (RegisteredSchema existing : versions) {
            if (existing.schema().equals(schema)) {
                return existing.id();
            }
        }
        List<Schema> previous = versions.stream().map(RegisteredSchema::schema).toList();
        List<String> problems = Compatibility.violations(compatibility(subject), schema, previous);
        if (!problems.isEmpty()) {
            throw new SchemaRegistryException(
                    409,
                    SchemaRegistryException.INCOMPATIBLE_SCHEMA,
                    "Schema being registered is incompatible with an earlier schema for subject \"" + subject + "\": "
                            + String.join("; ", problems));
        }
        int id = idsByCanonical.getOrDefault(schema.toString(), nextId);
        RegisteredSchema registered = new RegisteredSchema(subject, versions.size() + 1, id, schema);
        // Persist first: a store that fails leaves no version behind that a restart would not know about.
        persistRegistration(registered);
        applyRegistration(registered);
        return id;
    }

    /**
     * Records a registration without checking it: used when replaying a persisted log, where every entry was
     * checked when it was first made.
     */
    protected synchronized void applyRegistration(RegisteredSchema registered) {
        List<RegisteredSchema> versions = subjects.computeIfAbsent(registered.subject(), s -> new ArrayList<>());
        if (versions.stream().anyMatch(v -> v.version() == registered.version())) {
            return;
        }
        versions.add(registered);
        versions.sort(java.util.Comparator.comparingInt(RegisteredSchema::version));
        schemasById.putIfAbsent(registered.id(), registered.schema());
        idsByCanonical.putIfAbsent(registered.schema().toString(), registered.id());
        nextId = Math.max(nextId, registered.id() + 1);
    }

    /** Records a compatibility change without side effects (used when replaying a persisted log). */
    protected synchronized void applyCompatibility(String subject, CompatibilityLevel level) {
        if (subject == null) {
            globalCompatibility = level;
        } else {
            subjectCompatibility.put(subject, level);
        }
    }

    /**
     * Hook for subclasses that persist changes: called with the registry's lock held, after the new version
     * passed the compatibility check and before it is recorded. Throwing rejects the registration and leaves
     * the registry unchanged. The default keeps nothing.
     */
    protected void persistRegistration(RegisteredSchema registered) {}

    /**
     * Hook for subclasses that persist changes: called with the registry's lock held before a compatibility
     * level is changed ({@code subject} null for the global level). Throwing leaves the level unchanged.
     */
    protected void persistCompatibility(String subject, CompatibilityLevel level) {}

    @Override
    public synchronized int lookup(String subject, Schema schema) {
        return subjectVersions(subject).stream()
                .filter(v -> v.schema().equals(schema))
                .findFirst()
                .orElseThrow(() -> new SchemaRegistryException(
                        404,
                        SchemaRegistryException.SCHEMA_NOT_FOUND,
                        "Schema not found under subject \"" + subject + "\""))
                .id();
    }

    @Override
    public synchronized Schema getById(int id) {
        Schema schema = schemasById.get(id);
        if (schema == null) {
            throw new SchemaRegistryException(
                    404, SchemaRegistryException.SCHEMA_NOT_FOUND, "Schema " + id + " not found");
        }
        return schema;
    }

    @Override
    public synchronized RegisteredSchema latest(String subject) {
        List<RegisteredSchema> versions = subjectVersions(subject);
        return versions.get(versions.size() - 1);
    }

    /** Returns version {@code version} of {@code subject}. */
    public synchronized RegisteredSchema version(String subject, int version) {
        return subjectVersions(subject).stream()
                .filter(v -> v.version() == version)
                .findFirst()
                .orElseThrow(() -> new SchemaRegistryException(
                        404,
                        SchemaRegistryException.VERSION_NOT_FOUND,
                        "Version " + version + " not found under subject \"" + subject + "\""));
    }

    /** Returns every subject that has at least one version, sorted. */
    public synchronized List<String> subjects() {
        return subjects.keySet().stream().sorted().toList();
    }

    @Override
    public synchronized List<Integer> versions(String subject) {
        return subjectVersions(subject).stream().map(RegisteredSchema::version).toList();
    }

    @Override
    public synchronized boolean isCompatible(String subject, Schema schema) {
        List<Schema> previous = subjects.getOrDefault(subject, List.of()).stream()
                .map(RegisteredSchema::schema)
                .toList();
        return Compatibility.violations(compatibility(subject), schema, previous)
                .isEmpty();
    }

    /** Returns the reasons {@code schema} is incompatible under {@code subject}, empty when compatible. */
    public synchronized List<String> incompatibilities(String subject, Schema schema) {
        List<Schema> previous = subjects.getOrDefault(subject, List.of()).stream()
                .map(RegisteredSchema::schema)
                .toList();
        return Compatibility.violations(compatibility(subject), schema, previous);
    }

    @Override
    public synchronized CompatibilityLevel compatibility(String subject) {
        return subject == null ? globalCompatibility : subjectCompatibility.getOrDefault(subject, globalCompatibility);
    }

    /** Returns the level set on the subject itself, or {@code null} when it follows the global level. */
    public synchronized CompatibilityLevel ownCompatibility(String subject) {
        return subjectCompatibility.get(subject);
    }

    @Override
    public synchronized void setCompatibility(String subject, CompatibilityLevel level) {
        Objects.requireNonNull(level, "level");
        persistCompatibility(subject, level);
        applyCompatibility(subject, level);
    }

    private List<RegisteredSchema> subjectVersions(String subject) {
        List<RegisteredSchema> versions = subjects.get(subject);
        if (versions == null || versions.isEmpty()) {
            throw new SchemaRegistryException(
                    404, SchemaRegistryException.SUBJECT_NOT_FOUND, "Subject '" + subject + "' not found.");
        }
        return versions;
    }
}
