package io.streamrlhf.schemas.registry;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.avro.Schema;

/**
 * A schema registry held in process memory, with the same rules as the Confluent registry: global ids shared
 * by identical schemas across subjects, versions per subject, and compatibility checked on registration.
 *
 * <p>Deletes follow Confluent's: a soft delete hides a version (or every version of a subject) from listings,
 * {@code latest}, look-ups and compatibility checks, but its schema stays readable by id, for consumers of
 * records written with it; a permanent delete is allowed only after a soft delete and forgets the version (and
 * the schema, once no version has its id). Ids are never handed out twice in one process.
 *
 * <p>Used directly by unit and topology tests (as Confluent's mock client is), and as the state behind the
 * embedded registry server, which persists every change to a Kafka topic and replays it on start.
 */
public class InMemorySchemaRegistry implements SchemaRegistryClient {

    private final Map<Integer, Schema> schemasById = new HashMap<>();
    private final Map<String, Integer> idsByCanonical = new HashMap<>();
    /** Every version of every subject, soft-deleted ones included, by ascending version. */
    private final Map<String, List<RegisteredSchema>> subjects = new HashMap<>();
    /** The soft-deleted versions of each subject. */
    private final Map<String, Set<Integer>> softDeleted = new HashMap<>();

    private final Map<String, CompatibilityLevel> subjectCompatibility = new HashMap<>();
    private CompatibilityLevel globalCompatibility = CompatibilityLevel.BACKWARD;
    private int nextId = 1;

    @Override
    public synchronized int register(String subject, Schema schema) {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(schema, "schema");
        List<RegisteredSchema> live = live(subject);
        for (RegisteredSchema existing : live) {
            if (existing.schema().equals(schema)) {
                return existing.id();
            }
        }
        List<Schema> previous = live.stream().map(RegisteredSchema::schema).toList();
        List<String> problems = Compatibility.violations(compatibility(subject), schema, previous);
        if (!problems.isEmpty()) {
            throw new SchemaRegistryException(
                    409,
                    SchemaRegistryException.INCOMPATIBLE_SCHEMA,
                    "Schema being registered is incompatible with an earlier schema for subject \"" + subject + "\": "
                            + String.join("; ", problems));
        }
        int id = idsByCanonical.getOrDefault(schema.toString(), nextId);
        // Soft-deleted versions keep their numbers: a new version comes after every one of them.
        int version = subjects.getOrDefault(subject, List.of()).stream()
                        .mapToInt(RegisteredSchema::version)
                        .max()
                        .orElse(0)
                + 1;
        RegisteredSchema registered = new RegisteredSchema(subject, version, id, schema);
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
        versions.sort(Comparator.comparingInt(RegisteredSchema::version));
        schemasById.putIfAbsent(registered.id(), registered.schema());
        idsByCanonical.putIfAbsent(registered.schema().toString(), registered.id());
        nextId = Math.max(nextId, registered.id() + 1);
    }

    /**
     * Records a delete without checks or side effects (used when replaying a persisted log): a soft delete marks
     * the version, a permanent one forgets it, and its schema once no version has that id.
     */
    protected synchronized void applyDeletion(String subject, int version, boolean permanent) {
        List<RegisteredSchema> versions = subjects.get(subject);
        if (versions == null) {
            return;
        }
        if (!permanent) {
            if (versions.stream().anyMatch(v -> v.version() == version)) {
                softDeleted.computeIfAbsent(subject, s -> new HashSet<>()).add(version);
            }
            return;
        }
        RegisteredSchema removed = versions.stream()
                .filter(v -> v.version() == version)
                .findFirst()
                .orElse(null);
        if (removed == null) {
            return;
        }
        versions.remove(removed);
        Set<Integer> deleted = softDeleted.get(subject);
        if (deleted != null) {
            deleted.remove(version);
        }
        if (versions.isEmpty()) {
            subjects.remove(subject);
            softDeleted.remove(subject);
        }
        boolean stillUsed = subjects.values().stream().flatMap(List::stream).anyMatch(v -> v.id() == removed.id());
        if (!stillUsed) {
            schemasById.remove(removed.id());
            idsByCanonical.remove(removed.schema().toString(), removed.id());
        }
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
     * Hook for subclasses that persist changes: called with the registry's lock held before a version is
     * soft-deleted ({@code permanent} false) or forgotten ({@code permanent} true). Throwing leaves it unchanged.
     */
    protected void persistDeletion(RegisteredSchema version, boolean permanent) {}

    /**
     * Hook for subclasses that persist changes: called with the registry's lock held before a compatibility
     * level is changed ({@code subject} null for the global level). Throwing leaves the level unchanged.
     */
    protected void persistCompatibility(String subject, CompatibilityLevel level) {}

    @Override
    public synchronized int lookup(String subject, Schema schema) {
        return lookupVersion(subject, schema, false).id();
    }

    /**
     * The version of {@code subject} that holds {@code schema}, soft-deleted ones too when {@code includeDeleted}.
     *
     * @throws SchemaRegistryException 40401 for an unknown subject, 40403 when no version holds the schema
     */
    public synchronized RegisteredSchema lookupVersion(String subject, Schema schema, boolean includeDeleted) {
        return subjectVersions(subject, includeDeleted).stream()
                .filter(v -> v.schema().equals(schema))
                .findFirst()
                .orElseThrow(() -> new SchemaRegistryException(
                        404,
                        SchemaRegistryException.SCHEMA_NOT_FOUND,
                        "Schema not found under subject \"" + subject + "\""));
    }

    /** The schema with id {@code id}, also when every version that has it is soft-deleted. */
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
        List<RegisteredSchema> versions = subjectVersions(subject, false);
        return versions.get(versions.size() - 1);
    }

    /** Returns version {@code version} of {@code subject}, unless soft-deleted. */
    public synchronized RegisteredSchema version(String subject, int version) {
        return version(subject, version, false);
    }

    /** Returns version {@code version} of {@code subject}, also a soft-deleted one when {@code includeDeleted}. */
    public synchronized RegisteredSchema version(String subject, int version, boolean includeDeleted) {
        return subjectVersions(subject, includeDeleted).stream()
                .filter(v -> v.version() == version)
                .findFirst()
                .orElseThrow(() -> new SchemaRegistryException(
                        404,
                        SchemaRegistryException.VERSION_NOT_FOUND,
                        "Version " + version + " not found under subject \"" + subject + "\""));
    }

    /** Returns every subject that has at least one version that is not soft-deleted, sorted. */
    public synchronized List<String> subjects() {
        return subjects(false);
    }

    /** Returns the subjects, those whose every version is soft-deleted too when {@code includeDeleted}, sorted. */
    public synchronized List<String> subjects(boolean includeDeleted) {
        return subjects.keySet().stream()
                .filter(s -> includeDeleted || !live(s).isEmpty())
                .sorted()
                .toList();
    }

    @Override
    public synchronized List<Integer> versions(String subject) {
        return versions(subject, false);
    }

    /** The version numbers of {@code subject}, soft-deleted ones too when {@code includeDeleted}, ascending. */
    public synchronized List<Integer> versions(String subject, boolean includeDeleted) {
        return subjectVersions(subject, includeDeleted).stream()
                .map(RegisteredSchema::version)
                .toList();
    }

    /** Whether version {@code version} of {@code subject} is soft-deleted. */
    public synchronized boolean isSoftDeleted(String subject, int version) {
        return softDeleted.getOrDefault(subject, Set.of()).contains(version);
    }

    /**
     * Deletes every version of {@code subject}: soft deletes the live ones, or, when {@code permanent}, forgets
     * them all once every one is soft-deleted. Returns the versions deleted, ascending.
     *
     * @throws SchemaRegistryException 40401 for an unknown subject, 40404 for a soft delete of a subject already
     *     soft-deleted, 40405 for a permanent delete of a subject that has live versions
     */
    public synchronized List<Integer> deleteSubject(String subject, boolean permanent) {
        List<RegisteredSchema> all = subjectVersions(subject, true);
        List<RegisteredSchema> live = live(subject);
        if (!permanent) {
            if (live.isEmpty()) {
                throw new SchemaRegistryException(
                        404,
                        SchemaRegistryException.SUBJECT_SOFT_DELETED,
                        "Subject '" + subject + "' was soft deleted. Set permanent=true to delete permanently");
            }
            for (RegisteredSchema version : live) {
                persistDeletion(version, false);
                applyDeletion(subject, version.version(), false);
            }
            return live.stream().map(RegisteredSchema::version).toList();
        }
        if (!live.isEmpty()) {
            throw new SchemaRegistryException(
                    404,
                    SchemaRegistryException.SUBJECT_NOT_SOFT_DELETED,
                    "Subject '" + subject + "' was not deleted first before being permanently deleted");
        }
        List<RegisteredSchema> copy = List.copyOf(all);
        for (RegisteredSchema version : copy) {
            persistDeletion(version, true);
            applyDeletion(subject, version.version(), true);
        }
        return copy.stream().map(RegisteredSchema::version).toList();
    }

    /**
     * Deletes version {@code version} of {@code subject}: a soft delete, or, when {@code permanent}, forgets a
     * version soft-deleted before. Returns the version number.
     *
     * @throws SchemaRegistryException 40401 unknown subject, 40402 unknown version, 40406 soft delete of a version
     *     already soft-deleted, 40407 permanent delete of a version not soft-deleted first
     */
    public synchronized int deleteVersion(String subject, int version, boolean permanent) {
        RegisteredSchema found = version(subject, version, true);
        boolean deleted = isSoftDeleted(subject, version);
        if (!permanent && deleted) {
            throw new SchemaRegistryException(
                    404,
                    SchemaRegistryException.VERSION_SOFT_DELETED,
                    "Subject '" + subject + "' Version " + version
                            + " was soft deleted. Set permanent=true to delete permanently");
        }
        if (permanent && !deleted) {
            throw new SchemaRegistryException(
                    404,
                    SchemaRegistryException.VERSION_NOT_SOFT_DELETED,
                    "Subject '" + subject + "' Version " + version
                            + " was not deleted first before being permanently deleted");
        }
        persistDeletion(found, permanent);
        applyDeletion(subject, version, permanent);
        return version;
    }

    @Override
    public synchronized boolean isCompatible(String subject, Schema schema) {
        return incompatibilities(subject, schema).isEmpty();
    }

    /** Returns the reasons {@code schema} is incompatible under {@code subject}, empty when compatible. */
    public synchronized List<String> incompatibilities(String subject, Schema schema) {
        List<Schema> previous =
                live(subject).stream().map(RegisteredSchema::schema).toList();
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

    /**
     * Confluent's {@code DELETE /config/{subject}}: forgets the subject's own level, so that it follows the global
     * one again, and returns the level it had. With {@code subject} null ({@code DELETE /config}) the global level
     * goes back to the default, {@code BACKWARD}, and the level it had is returned.
     *
     * @throws SchemaRegistryException 40408 when the subject has no level of its own (40401 when it is not even
     *     known)
     */
    public synchronized CompatibilityLevel deleteCompatibility(String subject) {
        CompatibilityLevel previous = subject == null ? globalCompatibility : subjectCompatibility.get(subject);
        if (previous == null) {
            if (!subjects.containsKey(subject)) {
                throw new SchemaRegistryException(
                        404, SchemaRegistryException.SUBJECT_NOT_FOUND, "Subject '" + subject + "' not found.");
            }
            throw new SchemaRegistryException(
                    404,
                    SchemaRegistryException.SUBJECT_COMPATIBILITY_NOT_CONFIGURED,
                    "Subject '" + subject + "' does not have subject-level compatibility configured");
        }
        persistCompatibilityDeletion(subject);
        applyCompatibilityDeletion(subject);
        return previous;
    }

    /**
     * Records that {@code subject}'s own level is gone (the global level reset to {@code BACKWARD} for null),
     * without side effects (used when replaying a persisted log).
     */
    protected synchronized void applyCompatibilityDeletion(String subject) {
        if (subject == null) {
            globalCompatibility = CompatibilityLevel.BACKWARD;
        } else {
            subjectCompatibility.remove(subject);
        }
    }

    /**
     * Hook for subclasses that persist changes: called with the registry's lock held before a level is deleted;
     * throwing leaves it in place.
     */
    protected void persistCompatibilityDeletion(String subject) {}

    /** The versions of {@code subject} that are not soft-deleted (empty for an unknown subject). */
    private List<RegisteredSchema> live(String subject) {
        Set<Integer> deleted = softDeleted.getOrDefault(subject, Set.of());
        return subjects.getOrDefault(subject, List.of()).stream()
                .filter(v -> !deleted.contains(v.version()))
                .toList();
    }

    private List<RegisteredSchema> subjectVersions(String subject, boolean includeDeleted) {
        List<RegisteredSchema> versions = includeDeleted ? subjects.getOrDefault(subject, List.of()) : live(subject);
        if (versions.isEmpty()) {
            throw new SchemaRegistryException(
                    404, SchemaRegistryException.SUBJECT_NOT_FOUND, "Subject '" + subject + "' not found.");
        }
        return versions;
    }
}
