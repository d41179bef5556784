package io.streamrlhf.localstack.registry;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One user of the registry's HTTP basic authentication.
 *
 * @param name the user name (no {@code :} or {@code ,})
 * @param role what the user may do
 * @param password the password; never printed by {@link #toString()}
 */
public record RegistryUser(String name, RegistryRole role, String password) {

    public RegistryUser {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(password, "password");
        if (!name.matches("[a-zA-Z0-9._@-]{1,64}")) {
            throw new IllegalArgumentException("Registry user name '" + name + "' must be 1-64 of [a-zA-Z0-9._@-]");
        }
        if (password.isEmpty() || password.indexOf(',') >= 0) {
            throw new IllegalArgumentException("Registry user " + name + " needs a non-empty password without ','");
        }
    }

    /**
     * Parses {@code name:role:password[,name:role:password...]} (the {@code registry.auth.users} setting); the
     * password is everything after the second {@code :}. Messages name users and roles, never passwords.
     *
     * @throws IllegalArgumentException for a malformed entry, an unknown role or a user named twice
     */
    public static List<RegistryUser> parseList(String text) {
        List<RegistryUser> users = new ArrayList<>();
        Set<String> names = new HashSet<>();
        if (text == null || text.isBlank()) {
            return users;
        }
        int index = 0;
        for (String entry : text.split(",")) {
            index++;
            String trimmed = entry.trim();
            int first = trimmed.indexOf(':');
            int second = first < 0 ? -1 : trimmed.indexOf(':', first + 1);
            if (first <= 0 || second < 0 || second == trimmed.length() - 1) {
                throw new IllegalArgumentException(
                        "Registry user entry " + index + " must be name:role:password (role reader, writer or admin)");
            }
            RegistryUser user = new RegistryUser(
                    trimmed.substring(0, first),
                    RegistryRole.parse(trimmed.substring(first + 1, second)),
                    trimmed.substring(second + 1));
            if (!names.add(user.name())) {
                throw new IllegalArgumentException("Registry user " + user.name() + " is listed twice");
            }
            users.add(user);
        }
        return users;
    }

    /** {@code name:password}, as a client's {@code schema.registry.basic.auth.user.info}. */
    public String userInfo() {
        return name + ":" + password;
    }

    byte[] passwordBytes() {
        return password.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "RegistryUser[" + name + ", " + role + "]";
    }
}
