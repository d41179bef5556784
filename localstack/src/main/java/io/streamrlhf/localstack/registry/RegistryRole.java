package io.streamrlhf.localstack.registry;

import java.util.Locale;

/**
 * What a registry user may do. Each role includes the ones before it: a {@link #READER} only reads
 * ({@code GET}, and the {@code POST}s that only ask: look-up and compatibility check), a {@link #WRITER} also
 * registers schemas, an {@link #ADMIN} also changes compatibility levels and deletes.
 */
public enum RegistryRole {
    READER,
    WRITER,
    ADMIN;

    /** Whether this role may do what {@code required} may. */
    public boolean permits(RegistryRole required) {
        return ordinal() >= required.ordinal();
    }

    /** The role named {@code text} (case-insensitive: {@code reader}, {@code writer}, {@code admin}). */
    public static RegistryRole parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Unknown registry role '" + text + "'; use reader, writer or admin", e);
        }
    }
}
