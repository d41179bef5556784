package io.streamrlhf.producers.gateway;

import io.streamrlhf.producers.config.GatewayConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The gateway's API keys, held only as SHA-256 hashes, each bound to a tenant and a set of {@link Scope}s.
 *
 * <p>A request presents its key in the {@code X-API-Key} header or as {@code Authorization: Bearer <key>}; the
 * gateway hashes it and compares the hash with every stored one in constant time ({@link MessageDigest#isEqual}),
 * without stopping at the first match, so response timing says nothing about how close a guess was. A plain,
 * unsalted SHA-256 is enough here because keys are random and long (at least {@value #MIN_KEY_CHARS} characters;
 * {@link #generate} draws 256 bits): a slow salted hash defends guessable passwords against a stolen hash list, and
 * nobody can enumerate a 256-bit space, slow hash or not.
 *
 * <p>Keys come from a keys file ({@code gateway.keys.file}), one key a line:
 * <pre>
 * # name       tenant       scopes                                  hash
 * acme-web     tenant=acme  scopes=responses,feedback,preferences   hash=sha256:3f1c...
 * </pre>
 * and, for a simple single-tenant setup such as the demo, from the plain keys of {@code gateway.api.keys} (tenant
 * {@code gateway.default.tenant}, every scope but erase), where {@code gateway.erase.api.keys} is kept as an alias
 * that adds the erase scope.
 */
public final class ApiKeys {

    /** Header carrying the API key. */
    public static final String HEADER = "X-API-Key";
    /** Shortest accepted plain key. */
    public static final int MIN_KEY_CHARS = GatewayConfig.MIN_API_KEY_CHARS;
    /** Prefix of a stored hash. */
    public static final String HASH_PREFIX = "sha256:";

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/-]{0,63}");
    private static final Pattern HEX_HASH = Pattern.compile("[0-9a-f]{64}");

    /**
     * What a key may do.
     *
     * @param name the key's name, safe to log (never the key)
     * @param tenant the tenant whose users the key writes and erases
     * @param scopes the endpoints it may call
     */
    public record Grant(String name, String tenant, Set<Scope> scopes) {
        /** Validates name and tenant. */
        public Grant {
            Objects.requireNonNull(name, "name");
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException(
                        "API key name '" + name + "' must be 1-64 letters, digits, '.', '_', '-' or '/'");
            }
            GatewayConfig.requireTenant(tenant, "tenant of API key " + name);
            scopes = Set.copyOf(scopes);
        }

        /** Whether the key holds {@code scope}. */
        public boolean may(Scope scope) {
            return scopes.contains(scope);
        }
    }

    /** A freshly generated key: the key itself (shown once) and the keys-file line holding only its hash. */
    public record Generated(String key, String line) {
        /** Never shows the key. */
        @Override
        public String toString() {
            return "Generated[" + line + "]";
        }
    }

    private record Entry(Grant grant, byte[] hash) {}

    private final List<Entry> entries;

    private ApiKeys(List<Entry> entries) {
        if (entries.isEmpty()) {
            throw new IllegalArgumentException(
                    "at least one API key is required (gateway.api.keys or gateway.keys.file): the gateway never runs "
                            + "open");
        }
        Map<String, String> names = new HashMap<>();
        for (Entry e : entries) {
            if (names.put(e.grant().name(), e.grant().tenant()) != null) {
                throw new IllegalArgumentException(
                        "two API keys are named '" + e.grant().name() + "'");
            }
        }
        this.entries = List.copyOf(entries);
    }

    /** The keys {@code config} names: its plain keys and, when set, its keys file. */
    public static ApiKeys load(GatewayConfig config) {
        if (config.keysFile().isEmpty()) {
            return new ApiKeys(plainEntries(config));
        }
        return load(config, readKeysFile(config));
    }

    /** The bytes of {@code config}'s keys file. */
    static byte[] readKeysFile(GatewayConfig config) {
        Path file = Path.of(config.keysFile());
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read gateway.keys.file " + file, e);
        }
    }

    /** The keys of {@code config}: its plain keys and the keys file whose contents are {@code keysFile}. */
    static ApiKeys load(GatewayConfig config, byte[] keysFile) {
        List<Entry> entries = new ArrayList<>(plainEntries(config));
        String text = new String(keysFile, StandardCharsets.UTF_8);
        entries.addAll(parse(text.lines().toList(), config.keysFile()).entries);
        return new ApiKeys(entries);
    }

    /** Plain keys, each with a grant, hashed here (tests and embedding code). */
    public static ApiKeys ofPlain(Map<String, Grant> keysAndGrants) {
        List<Entry> entries = new ArrayList<>();
        keysAndGrants.forEach((key, grant) -> entries.add(new Entry(grant, hash(key))));
        return new ApiKeys(entries);
    }

    private static List<Entry> plainEntries(GatewayConfig config) {
        // An erase key that is also an ordinary key gains the erase scope; one listed only there may only erase.
        Map<String, Set<Scope>> scopes = new LinkedHashMap<>();
        config.apiKeys().forEach(k -> scopes.put(k, EnumSet.copyOf(Scope.WRITE_AND_READ)));
        config.eraseApiKeys()
                .forEach(k -> scopes.computeIfAbsent(k, x -> EnumSet.noneOf(Scope.class))
                        .add(Scope.ERASE));
        List<Entry> entries = new ArrayList<>();
        scopes.forEach((key, granted) -> {
            byte[] hash = hash(key);
            // The name shows a few hash digits (never key characters) so logs and limits can tell keys apart.
            String name = "gateway.api.keys/" + HexFormat.of().formatHex(hash, 0, 4);
            entries.add(new Entry(new Grant(name, config.defaultTenant(), granted), hash));
        });
        return entries;
    }

    /**
     * Parses a keys file: one {@code NAME tenant=T scopes=a,b hash=sha256:HEX} a line, {@code #} comments and blank
     * lines ignored; fails naming the line.
     */
    public static ApiKeys parse(List<String> lines, String source) {
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            try {
                entries.add(parseLine(line));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(source + " line " + (i + 1) + ": " + e.getMessage(), e);
            }
        }
        return new ApiKeys(entries);
    }

    private static Entry parseLine(String line) {
        String[] parts = line.split("\\s+");
        Map<String, String> fields = new HashMap<>();
        for (int i = 1; i < parts.length; i++) {
            int eq = parts[i].indexOf('=');
            if (eq <= 0 || fields.put(parts[i].substring(0, eq), parts[i].substring(eq + 1)) != null) {
                throw new IllegalArgumentException("expected NAME tenant=T scopes=a,b hash=sha256:HEX");
            }
        }
        if (!fields.keySet().equals(Set.of("tenant", "scopes", "hash"))) {
            throw new IllegalArgumentException(
                    "expected NAME tenant=T scopes=a,b hash=sha256:HEX, got fields " + fields.keySet());
        }
        String hash = fields.get("hash");
        if (!hash.startsWith(HASH_PREFIX)
                || !HEX_HASH.matcher(hash.substring(HASH_PREFIX.length())).matches()) {
            throw new IllegalArgumentException("hash must be sha256: followed by 64 lower-case hex digits (the key "
                    + "itself never goes in the file: streamrlhf gateway-key prints the line)");
        }
        Grant grant = new Grant(parts[0], fields.get("tenant"), Scope.parseList(fields.get("scopes")));
        return new Entry(grant, HexFormat.of().parseHex(hash.substring(HASH_PREFIX.length())));
    }

    /** A new random key (256 bits, URL-safe Base64, 43 characters) and its keys-file line. */
    public static Generated generate(String name, String tenant, Set<Scope> scopes, SecureRandom random) {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        String key = "srk_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        Grant grant = new Grant(name, tenant, scopes);
        String line = grant.name() + " tenant=" + grant.tenant() + " scopes=" + Scope.format(grant.scopes()) + " hash="
                + HASH_PREFIX + HexFormat.of().formatHex(hash(key));
        return new Generated(key, line);
    }

    /** The SHA-256 of {@code key}'s UTF-8 bytes. */
    static byte[] hash(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    /** The grant of the key the request's headers carry ({@code null} headers are absent), if it is known. */
    public Optional<Grant> authenticate(String apiKeyHeader, String authorizationHeader) {
        String presented = apiKeyHeader;
        if (presented == null
                && authorizationHeader != null
                && authorizationHeader.regionMatches(true, 0, "Bearer ", 0, 7)) {
            presented = authorizationHeader.substring(7).trim();
        }
        if (presented == null || presented.isEmpty()) {
            return Optional.empty();
        }
        byte[] candidate = hash(presented);
        Grant match = null;
        for (Entry entry : entries) {
            // No early exit: every stored hash is compared, whatever matched before.
            if (MessageDigest.isEqual(entry.hash(), candidate)) {
                match = entry.grant();
            }
        }
        return Optional.ofNullable(match);
    }

    /** How many keys there are. */
    public int size() {
        return entries.size();
    }

    /** Names, tenants and scopes only. */
    @Override
    public String toString() {
        return "ApiKeys" + entries.stream().map(Entry::grant).toList();
    }
}
