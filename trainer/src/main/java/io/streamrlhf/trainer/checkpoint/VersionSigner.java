package io.streamrlhf.trainer.checkpoint;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HMAC-SHA256 over the exact serialized bytes of a {@code PolicyVersion} record value, carried in the record
 * header {@link #HEADER}. The trainer signs what it publishes; samplers and the trainer's own history refuse a
 * version whose signature is missing or wrong when a key is configured. Its {@link #toString()} never shows the
 * key.
 */
public final class VersionSigner {

    /** The record header that carries the 32-byte signature. */
    public static final String HEADER = "streamrlhf.signature";
    /** Shortest key accepted, in characters: HMAC-SHA256 keys shorter than the hash add no strength. */
    public static final int MIN_KEY_CHARS = 32;

    private static final String ALGORITHM = "HmacSHA256";

    private final SecretKeySpec key;

    /**
     * A signer over {@code key} (its UTF-8 bytes).
     *
     * @throws IllegalArgumentException when the key is shorter than {@link #MIN_KEY_CHARS}; the message never
     *     shows the key
     */
    public VersionSigner(String key) {
        if (key == null || key.length() < MIN_KEY_CHARS) {
            throw new IllegalArgumentException("the versions signing key must be at least " + MIN_KEY_CHARS
                    + " characters (for example 32 random bytes, base64-encoded)");
        }
        this.key = new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), ALGORITHM);
    }

    /** The signature of {@code value}. */
    public byte[] sign(byte[] value) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac.doFinal(value);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is always available", e);
        }
    }

    /** Whether {@code signature} is this key's signature of {@code value}, compared in constant time. */
    public boolean verify(byte[] value, byte[] signature) {
        return signature != null && MessageDigest.isEqual(sign(value), signature);
    }

    @Override
    public String toString() {
        return "VersionSigner[HMAC-SHA256, key ****]";
    }
}
