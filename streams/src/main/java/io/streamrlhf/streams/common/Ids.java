package io.streamrlhf.streams.common;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.UUID;

/** Deterministic ids of what the topologies emit, so a replay after a crash produces the same ids. */
public final class Ids {

    private Ids() {}

    /** The KTO example id of one user's label on one response. */
    public static String ktoExample(String responseId, String userId) {
        return "kto-" + uuid("kto", responseId, userId);
    }

    /** The id of a DPO pair made by {@code source} from the given parts. */
    public static String dpoPair(String source, String... parts) {
        String[] all = new String[parts.length + 1];
        all[0] = "dpo-" + source;
        System.arraycopy(parts, 0, all, 1, parts.length);
        return "dpo-" + source.toLowerCase(java.util.Locale.ROOT) + "-" + uuid(all);
    }

    /** One MD5 per thread: {@code MessageDigest.getInstance} looks up the provider on every call. */
    private static final ThreadLocal<MessageDigest> MD5 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has MD5", e);
        }
    });

    /** The same name-based (version 3) UUID as {@link UUID#nameUUIDFromBytes} of the joined parts. */
    static String uuid(String... parts) {
        MessageDigest md5 = MD5.get();
        byte[] hash = md5.digest(String.join("\u0000", parts).getBytes(StandardCharsets.UTF_8));
        hash[6] = (byte) ((hash[6] & 0x0f) | 0x30);
        hash[8] = (byte) ((hash[8] & 0x3f) | 0x80);
        return new UUID(
                        ByteBuffer.wrap(hash, 0, 8).getLong(),
                        ByteBuffer.wrap(hash, 8, 8).getLong())
                .toString();
    }
}
