package io.streamrlhf.producers.gateway;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Set;

/**
 * The configured API keys. A request presents one in the {@code X-API-Key} header or as
 * {@code Authorization: Bearer <key>}; comparison takes the same time whatever the key, so response timing
 * does not leak how much of a key was right.
 */
public final class ApiKeys {

    /** Header carrying the API key. */
    public static final String HEADER = "X-API-Key";

    private final List<byte[]> keys;

    /** Accepts exactly {@code keys} (at least one). */
    public ApiKeys(Set<String> keys) {
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("at least one API key is required");
        }
        this.keys = keys.stream().map(k -> k.getBytes(StandardCharsets.UTF_8)).toList();
    }

    /** Whether the request's headers carry an accepted key ({@code null} headers are absent). */
    public boolean accepts(String apiKeyHeader, String authorizationHeader) {
        String presented = apiKeyHeader;
        if (presented == null
                && authorizationHeader != null
                && authorizationHeader.regionMatches(true, 0, "Bearer ", 0, 7)) {
            presented = authorizationHeader.substring(7).trim();
        }
        if (presented == null || presented.isEmpty()) {
            return false;
        }
        byte[] candidate = presented.getBytes(StandardCharsets.UTF_8);
        boolean match = false;
        for (byte[] key : keys) {
            match |= MessageDigest.isEqual(key, candidate);
        }
        return match;
    }
}
