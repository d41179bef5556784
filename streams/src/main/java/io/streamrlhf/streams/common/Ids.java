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
        // and the concatenation: the join makes one id per decided vote. The name is laid out in one reused array
        // and digested in one update into a reused hash, so an id costs no allocation but its string.
        Scratch scratch = SCRATCH.get();
        byte[] name = scratch.name(KTO_PREFIX.length + 3 * (responseId.length() + userId.length()) + 1);
        System.arraycopy(KTO_PREFIX, 0, name, 0, KTO_PREFIX.length);
        int n = utf8(responseId, name, KTO_PREFIX.length);
        name[n++] = 0;
        n = utf8(userId, name, n);
        MessageDigest md5 = MD5.get();
        md5.update(name, 0, n);
        try {
            md5.digest(scratch.hash, 0, scratch.hash.length);
        } catch (java.security.DigestException e) {
            throw new IllegalStateException("an MD5 digest is 16 bytes", e);
        }
        return format("kto-", scratch.hash);
    }

    /** Writes {@code s} as UTF-8 into {@code out} from {@code at}, which has room for three bytes a char. */
    private static int utf8(String s, byte[] out, int at) {
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                // Not ASCII: the JDK's encoder (surrogate pairs, unpaired surrogates as '?') for the rest.
                byte[] rest = s.substring(i).getBytes(StandardCharsets.UTF_8);
                System.arraycopy(rest, 0, out, at, rest.length);
                return at + rest.length;
            }
            out[at++] = (byte) c;
        }
        return at;
    }

    /** A thread's arrays for {@link #ktoExample}: the name being digested and the digest. */
    private static final class Scratch {
        private byte[] name = new byte[256];
        final byte[] hash = new byte[16];

        byte[] name(int capacity) {
            if (name.length < capacity) {
                name = new byte[Math.max(capacity, 2 * name.length)];
            }
            return name;
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

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
