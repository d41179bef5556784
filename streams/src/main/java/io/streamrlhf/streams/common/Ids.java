package io.streamrlhf.streams.common;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.UUID;

/** Deterministic ids of what the topologies emit, so a replay after a crash produces the same ids. */
public final class Ids {

    private Ids() {}

    /** The KTO example id of one user's label on one response. */
    public static String ktoExample(String responseId, String userId) {
        // The same as "kto-" + uuid("kto", responseId, userId), written without the joined string, the UUID object
        // and the concatenation: the join makes one id per decided vote.
        MessageDigest md5 = MD5.get();
        md5.update(KTO_PREFIX);
        md5.update(responseId.getBytes(StandardCharsets.UTF_8));
        md5.update((byte) 0);
        md5.update(userId.getBytes(StandardCharsets.UTF_8));
        return format("kto-", md5.digest());
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
        return format("", md5.digest(String.join("\u0000", parts).getBytes(StandardCharsets.UTF_8)));
    }

    /** The parts "kto" and the separator that start every KTO example's name. */
    private static final byte[] KTO_PREFIX = "kto\u0000".getBytes(StandardCharsets.UTF_8);

    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    /**
     * {@code prefix} and the version 3 UUID of {@code hash} (an MD5 digest) in {@link UUID#toString}'s form:
     * version and IETF variant bits set, lower-case hex in groups of 8-4-4-4-12.
     */
    private static String format(String prefix, byte[] hash) {
        hash[6] = (byte) ((hash[6] & 0x0f) | 0x30);
        hash[8] = (byte) ((hash[8] & 0x3f) | 0x80);
        int p = prefix.length();
        byte[] out = new byte[p + 36];
        for (int i = 0; i < p; i++) {
            out[i] = (byte) prefix.charAt(i);
        }
        for (int i = 0; i < 16; i++) {
            if (i == 4 || i == 6 || i == 8 || i == 10) {
                out[p++] = '-';
            }
            out[p++] = HEX[(hash[i] >> 4) & 0x0f];
            out[p++] = HEX[hash[i] & 0x0f];
        }
        return new String(out, StandardCharsets.ISO_8859_1);
    }
}
