package io.streamrlhf.schemas.registry;

/**
 * Compatibility levels of the Confluent Schema Registry. The non-transitive levels compare a new schema
 * with the latest registered version only; the {@code _TRANSITIVE} levels with every earlier version.
 */
public enum CompatibilityLevel {
    NONE,
    BACKWARD,
    BACKWARD_TRANSITIVE,
    FORWARD,
    FORWARD_TRANSITIVE,
    FULL,
    FULL_TRANSITIVE;

    /** Whether the new schema must be able to read data written with older schemas. */
    public boolean checksBackward() {
        return this == BACKWARD || this == BACKWARD_TRANSITIVE || this == FULL || this == FULL_TRANSITIVE;
    }

    /** Whether older schemas must be able to read data written with the new schema. */
    public boolean checksForward() {
        return this == FORWARD || this == FORWARD_TRANSITIVE || this == FULL || this == FULL_TRANSITIVE;
    }

    /** Whether every earlier version is checked, not only the latest. */
    public boolean transitive() {
        return name().endsWith("_TRANSITIVE");
    }

    /** Parses a level name as the registry's REST API spells it, failing with the list of valid names. */
    public static CompatibilityLevel parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException(
                    "Unknown compatibility level '" + name + "'; expected one of "
                            + java.util.Arrays.toString(values()),
                    e);
        }
    }
}
