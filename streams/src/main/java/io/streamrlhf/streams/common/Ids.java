package io.streamrlhf.streams.common;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/** Deterministic ids of what the topologies emit, so a replay after a crash produces the same ids. */
public final class Ids {

    private Ids() {
    }

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

    private static String uuid(String... parts) {
        return UUID.nameUUIDFromBytes(String.join("\u0000", parts).getBytes(StandardCharsets.UTF_8)).toString();
    }
}
