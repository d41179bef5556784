package io.streamrlhf.producers.gateway;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/** What an API key may do on the gateway; each endpoint needs one scope. */
public enum Scope {
    /** {@code POST /v1/responses}. */
    RESPONSES,
    /** {@code POST /v1/feedback}. */
    FEEDBACK,
    /** {@code POST /v1/preferences}. */
    PREFERENCES,
    /** {@code DELETE /v1/users/{userId}}: erase one of the key's tenant's users. */
    ERASE,
    /** Read endpoints about the served policy. */
    POLICY;

    /** The scopes a key gets when none are named: everything but erasing. */
    public static final Set<Scope> WRITE_AND_READ = Set.copyOf(EnumSet.of(RESPONSES, FEEDBACK, PREFERENCES, POLICY));

    /** The scope as written in configuration: lower case. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code responses,feedback,...} (case-insensitive); an unknown or empty list fails naming the choices. */
    public static Set<Scope> parseList(String text) {
        Set<Scope> scopes = EnumSet.noneOf(Scope.class);
        for (String part : text.split(",")) {
            String name = part.trim();
            if (name.isEmpty()) {
                continue;
            }
            try {
                scopes.add(Scope.valueOf(name.toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown scope '" + name + "'; choose from " + labels(), e);
            }
        }
        if (scopes.isEmpty()) {
            throw new IllegalArgumentException("at least one scope is needed; choose from " + labels());
        }
        return Set.copyOf(scopes);
    }

    /** The scopes as configuration writes them, in declaration order. */
    public static String format(Set<Scope> scopes) {
        return Arrays.stream(values())
                .filter(scopes::contains)
                .map(Scope::label)
                .collect(Collectors.joining(","));
    }

    private static String labels() {
        return format(EnumSet.allOf(Scope.class));
    }
}
