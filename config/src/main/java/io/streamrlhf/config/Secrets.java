package io.streamrlhf.config;

import java.util.Locale;

/** Which keys hold secrets, so that printed configuration and error messages never show them. */
public final class Secrets {

    /** What a secret value is printed as. */
    public static final String MASK = "****";

    private Secrets() {}

    /**
     * Passwords, secrets, JAAS configuration, key material ({@code *.key}, {@code ssl.key.*}), registry user
     * info and API keys.
     */
    public static boolean isSecret(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        return k.contains("password")
                || k.contains("secret")
                || k.endsWith("sasl.jaas.config")
                || k.endsWith(".key")
                || k.contains("ssl.key")
                || k.contains("basic.auth.user.info")
                || k.contains("api.key");
    }

    /** {@code value}, or {@link #MASK} when {@code key} holds a secret. */
    public static String mask(String key, String value) {
        return isSecret(key) && value != null ? MASK : value;
    }
}
