package io.streamrlhf.producers.config;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * How user ids enter Kafka: as given, or pseudonymised with a keyed hash (HMAC-SHA256 under a secret set once,
 * {@code client.user.id.secret}) so that raw identities never reach a topic, a state store or a checkpoint's lineage.
 *
 * <p>The same raw id always gives the same pseudonym under one secret, so votes, preferences and erasures of one user
 * still meet; without the secret, the pseudonym cannot be turned back into the id or recomputed from it. The gateway
 * namespaces every user id by its API key's tenant first ({@code tenant:userId}) and the hash applies to that
 * namespaced id, so one tenant's user can never hash to another's; an erasure request hashes the same namespaced
 * id, so it names exactly what the events carry. Changing the secret
 * makes every user a new one (and an old erasure no longer matches new events): set it once.
 */
public final class UserPseudonyms {

    /** The prefix of every pseudonym, so that a hashed id cannot be mistaken for a raw one. */
    public static final String PREFIX = "h1-";

    private static final UserPseudonyms OFF = new UserPseudonyms(null);

    private final SecretKeySpec key;

    private UserPseudonyms(SecretKeySpec key) {
        this.key = key;
    }

    /** User ids pass unchanged. */
    public static UserPseudonyms off() {
        return OFF;
    }

    /** Keyed hashes under {@code secret}; empty or null turns pseudonymisation off. */
    public static UserPseudonyms withSecret(String secret) {
        if (secret == null || secret.isEmpty()) {
            return OFF;
        }
        if (secret.length() < 16) {
            throw new IllegalArgumentException(
                    "client.user.id.secret must be at least 16 characters (a random string; keep it secret)");
        }
        return new UserPseudonyms(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    }

    /** Whether ids are hashed. */
    public boolean enabled() {
        return key != null;
    }

    /** What events carry for {@code rawUserId}: {@code null} stays null. */
    public String apply(String rawUserId) {
        if (key == null || rawUserId == null) {
            return rawUserId;
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return PREFIX + HexFormat.of().formatHex(mac.doFinal(rawUserId.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
        }
    }

    /** Never shows the secret. */
    @Override
    public String toString() {
        return key == null ? "UserPseudonyms[off]" : "UserPseudonyms[HMAC-SHA256, secret ****]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UserPseudonyms other && Objects.equals(key, other.key);
    }

    @Override
    public int hashCode() {
        return Objects.hashCode(key);
    }
}
