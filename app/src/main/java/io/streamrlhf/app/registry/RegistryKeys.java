package io.streamrlhf.app.registry;

import io.streamrlhf.config.Setting;
import java.util.List;

/**
 * Keys of the standalone registry ({@code streamrlhf registry}) beyond the local stack's {@code registry.bind},
 * {@code registry.port} and {@code registry.auth.users}.
 */
public final class RegistryKeys {

    public static final Setting<String> SSL_KEYSTORE_LOCATION = Setting.string(
            "registry.ssl.keystore.location",
            null,
            "PKCS12 keystore with the registry's key and certificate; set: the registry serves HTTPS only (clients "
                    + "trust its CA with schema.registry.ssl.truststore.*)");
    public static final Setting<String> SSL_KEYSTORE_PASSWORD = Setting.string(
                    "registry.ssl.keystore.password", null, "password of registry.ssl.keystore.location and of its key")
            .secret();
    public static final Setting<String> AUTH_USERS_FILE = Setting.string(
            "registry.auth.users.file",
            null,
            "file of registry users, one name:role:password a line ('#' starts a comment), read at start in "
                    + "addition to registry.auth.users; keep it readable by the registry only");
    public static final Setting<Boolean> ALLOW_OPEN = Setting.bool(
            "registry.allow.open",
            false,
            "let 'streamrlhf registry' serve without authentication on an address other than loopback "
                    + "(anyone who reaches it could register schemas and change compatibility)");

    /** Every key above. */
    public static final List<Setting<?>> ALL =
            List.of(SSL_KEYSTORE_LOCATION, SSL_KEYSTORE_PASSWORD, AUTH_USERS_FILE, ALLOW_OPEN);

    private RegistryKeys() {}
}
