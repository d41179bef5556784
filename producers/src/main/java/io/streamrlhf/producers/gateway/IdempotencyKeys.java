package io.streamrlhf.producers.gateway;

import io.streamrlhf.producers.client.ClientEvent;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * What the gateway remembers of each idempotency key: the request body's digest, the event it built (id and event
 * time fixed) and the write of it. A retry with the same key is answered from that write; after a failed write it
 * sends the same event again, never a new one, so that the streams see a redelivery, not a second vote.
 *
 * <p>Bounded by age ({@code gateway.idempotency.ttl}) and by bytes ({@code gateway.idempotency.max.bytes}, the
 * bodies and keys counted with a fixed overhead per entry); the oldest keys are forgotten first. A retry of a
 * forgotten key writes the same event id again when the id came from the key or the body, which the streams drop.
 * Keys are kept per endpoint and per API key, so that one client cannot read another's answers.
 */
final class IdempotencyKeys {

    /** Bytes an entry costs beyond its key and body: map node, digest, event object, future. */
    static final int ENTRY_OVERHEAD_BYTES = 512;

    /** What a request with a key gets. */
    sealed interface Outcome {}

    /** The first request with this key: its event was built and its write started. */
    record Started(ClientEvent event, CompletableFuture<String> write) implements Outcome {}

    /** A retry whose first write succeeded: answer with its id, write nothing. */
    record Replayed(String id) implements Outcome {}

    /** A retry while the first write is still pending. */
    record InProgress() implements Outcome {}

    /** A retry after a failed write: the same event was sent again. */
    record Resent(ClientEvent event, CompletableFuture<String> write) implements Outcome {}

    /** The key was used before with another request body. */
    record Conflict() implements Outcome {}

    private static final class Entry {
        final byte[] digest;
        final ClientEvent event;
        final long bytes;
        final long createdMillis;
        CompletableFuture<String> write;

        Entry(byte[] digest, ClientEvent event, long bytes, long createdMillis) {
            this.digest = digest;
            this.event = event;
            this.bytes = bytes;
            this.createdMillis = createdMillis;
        }
    }

    private final Duration ttl;
    private final long maxBytes;
    private final Clock clock;
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>();
    private long bytes;

    IdempotencyKeys(Duration ttl, long maxBytes, Clock clock) {
        this.ttl = Objects.requireNonNull(ttl, "ttl");
        this.maxBytes = maxBytes;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Whether keys are remembered at all (a zero age or byte bound turns them off). */
    boolean enabled() {
        return !ttl.isZero() && maxBytes > 0;
    }

    /**
     * Resolves one request carrying {@code key}: starts {@code build}'s event through {@code send} when the key is
     * new, and otherwise answers as the first request's write allows.
     */
    Outcome resolve(
            String scope,
            String key,
            byte[] body,
            Supplier<ClientEvent> build,
            java.util.function.Function<ClientEvent, CompletableFuture<String>> send) {
        String k = scope + '\u0000' + key;
        byte[] digest = sha256(body);
        ClientEvent event;
        CompletableFuture<String> write = new CompletableFuture<>();
        boolean first;
        synchronized (this) {
            expire();
            Entry entry = entries.get(k);
            if (entry == null) {
                event = build.get();
                long size = ENTRY_OVERHEAD_BYTES + 2L * k.length() + body.length;
                entry = new Entry(digest, event, size, clock.millis());
                entry.write = write;
                entries.put(k, entry);
                bytes += size;
                evictOverBound();
                first = true;
            } else if (!Arrays.equals(entry.digest, digest)) {
                return new Conflict();
            } else if (!entry.write.isDone()) {
                return new InProgress();
            } else if (!entry.write.isCompletedExceptionally()) {
                return new Replayed(entry.write.join());
            } else {
                event = entry.event;
                entry.write = write;
                first = false;
            }
        }
        // Outside the lock: a send can block for up to the producer's max.block when Kafka has no metadata, and
        // requests with other keys must not wait for it. A retry meanwhile sees the write pending.
        send.apply(event).whenComplete((id, error) -> {
            if (error == null) {
                write.complete(id);
            } else {
                write.completeExceptionally(error);
            }
        });
        return first ? new Started(event, write) : new Resent(event, write);
    }

    /** Keys remembered now. */
    synchronized int size() {
        expire();
        return entries.size();
    }

    /** Bytes the remembered keys are counted at. */
    synchronized long bytes() {
        return bytes;
    }

    private void expire() {
        long oldest = clock.millis() - ttl.toMillis();
        Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator();
        while (it.hasNext()) {
            Entry e = it.next().getValue();
            if (e.createdMillis > oldest) {
                return;
            }
            bytes -= e.bytes;
            it.remove();
        }
    }

    private void evictOverBound() {
        Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator();
        while (bytes > maxBytes && it.hasNext()) {
            bytes -= it.next().getValue().bytes;
            it.remove();
        }
    }

    private static byte[] sha256(byte[] body) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(body);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    /** A key as HTTP clients send it: 1-255 visible ASCII characters. */
    static boolean validKey(String key) {
        if (key == null || key.isEmpty() || key.length() > 255) {
            return false;
        }
        byte[] b = key.getBytes(StandardCharsets.UTF_8);
        if (b.length != key.length()) {
            return false;
        }
        for (byte c : b) {
            if (c < 0x21 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }
}
