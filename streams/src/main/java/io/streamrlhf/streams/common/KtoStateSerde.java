package io.streamrlhf.streams.common;

import io.streamrlhf.schemas.serde.WireFormat;
import io.streamrlhf.streams.avro.KtoResponseState;
import io.streamrlhf.streams.avro.PendingFeedback;
import io.streamrlhf.streams.avro.ResponseSnapshot;
import io.streamrlhf.streams.avro.SourceOffset;
import io.streamrlhf.streams.avro.Vote;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The KTO join's state records ({@code kto-response-state} and its changelog) in a compact binary form of their own,
 * not Avro: the join writes a response's state when the response comes and again on each feedback, and the second
 * write mostly repeats the response (prompt, completion, ids). The response's part is encoded once: its bytes are
 * kept, by the identity of the snapshot object, for the responses written or read last (a snapshot is never changed
 * once made), and a later write of that state copies them. The changelog is internal to the application, so it
 * needs no registry; records keep one leading version byte.
 *
 * <p>Layout of version {@value #VERSION}: the version byte; the response id; {@code expiresAt}; the response as a
 * presence byte, then its length and bytes (response id, prompt id, prompt, completion, policy version, rollout,
 * task, event time, source offset, truncated, user id); the votes, the seen feedback ids and the early feedback, each
 * a count and its items. Strings, numbers and counts are written as Avro writes them ({@link BinaryOut}), three vote
 * flags share one byte, an optional value is a presence byte and the value. Every record is at most as long as the Avro
 * record with its wire-format header, so the state bound {@code kto.max.state.bytes}, checked on Avro sizes
 * ({@code KtoStateSize}), still bounds the changelog records.
 *
 * <p>Reads the Avro records of earlier builds as well (they start with the wire format's magic byte
 * {@value WireFormat#MAGIC_BYTE}, never a version of this form), so an application restores its old changelog
 * without a reset; an older build cannot read this form back.
 */
public final class KtoStateSerde implements Serde<KtoResponseState> {

    /** The first byte of every record in this form. */
    public static final byte VERSION = 1;

    /**
     * Snapshots whose bytes are kept, a power of two: the responses encoded or decoded last, so a feedback that comes
     * soon after its response finds them (one that comes after thousands of other responses encodes them again).
     * Two snapshots that share a slot take turns.
     */
    private static final int MEMO_SLOTS = 1 << 10;
    /** Larger responses are encoded anew each time, so what is kept stays within a few MiB. */
    private static final int MEMO_MAX_BYTES = 4096;

    private final Deserializer<KtoResponseState> legacy;
    /** The latest snapshots encoded or decoded with their bytes, by identity. */
    private final AtomicReferenceArray<Memo> memo = new AtomicReferenceArray<>(MEMO_SLOTS);

    private final ThreadLocal<BinaryOut> writers = ThreadLocal.withInitial(BinaryOut::new);
    private final ThreadLocal<BinaryOut> responseWriters = ThreadLocal.withInitial(BinaryOut::new);

    /** A snapshot and its encoding; immutable, so a thread that reads it from the array sees it whole. */
    private record Memo(ResponseSnapshot snapshot, byte[] bytes) {}

    /** @param legacy reads the Avro records (wire format) that earlier builds wrote */
    public KtoStateSerde(Deserializer<KtoResponseState> legacy) {
        this.legacy = Objects.requireNonNull(legacy, "legacy");
    }

    @Override
    public Serializer<KtoResponseState> serializer() {
        return (topic, state) -> state == null ? null : encode(state);
    }

    @Override
    public Deserializer<KtoResponseState> deserializer() {
        return (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            if (bytes.length > 0 && bytes[0] == WireFormat.MAGIC_BYTE) {
                return legacy.deserialize(topic, bytes);
            }
            return decode(bytes);
        };
    }

    /** The record of {@code state}. */
    public byte[] encode(KtoResponseState state) {
        BinaryOut w = writers.get().reset();
        w.write(VERSION);
        w.string(state.getResponseId());
        w.varlong(state.getExpiresAt());
        ResponseSnapshot r = state.getResponse();
        if (r == null) {
            w.write(0);
        } else {
            byte[] response = responseBytes(r);
            w.write(1);
            w.varlong(response.length);
            w.write(response, 0, response.length);
        }
        List<Vote> votes = state.getVotes();
        w.varlong(votes.size());
        for (int i = 0, n = votes.size(); i < n; i++) {
            Vote v = votes.get(i);
            w.string(v.getUserId());
            w.string(v.getKind());
            w.string(v.getFeedbackId());
            w.varlong(v.getFeedbackTime());
            w.varlong(v.getSettleAt());
            w.write((v.getEverEmitted() ? 1 : 0) | (v.getEmittedActive() ? 2 : 0) | (v.getEmittedLabel() ? 4 : 0));
            offset(w, v.getFeedbackOffset());
        }
        List<String> seen = state.getSeenFeedbackIds();
        w.varlong(seen.size());
        for (int i = 0, n = seen.size(); i < n; i++) {
            w.string(seen.get(i));
        }
        List<PendingFeedback> early = state.getEarly();
        w.varlong(early.size());
        for (PendingFeedback p : early) {
            w.string(p.getFeedbackId());
            w.string(p.getUserId());
            w.string(p.getKind());
            w.varlong(p.getEventTime());
            w.varlong(p.getRecordTime());
            offset(w, p.getOffset());
            optionalBytes(w, p.getRawKey());
            optionalBytes(w, p.getRawValue());
        }
        return w.toByteArray();
    }

    /** The state in {@code bytes}, a record of this form. */
    public KtoResponseState decode(byte[] bytes) {
        if (bytes.length == 0 || bytes[0] != VERSION) {
            throw new SerializationException("Not a KTO state record of version " + VERSION + ": first byte "
                    + (bytes.length == 0 ? "none" : bytes[0]));
        }
        try {
            Reader in = new Reader(bytes, 1);
            String responseId = in.string();
            long expiresAt = in.varlong();
            ResponseSnapshot response = null;
            if (in.flag()) {
                int length = in.length();
                int start = in.pos;
                response = in.snapshot();
                if (in.pos != start + length) {
                    throw new SerializationException("KTO state of " + responseId + ": response of " + length
                            + " bytes read as " + (in.pos - start));
                }
                if (length <= MEMO_MAX_BYTES) {
                    remember(response, Arrays.copyOfRange(bytes, start, in.pos));
                }
            }
            int voteCount = in.length();
            List<Vote> votes = new ArrayList<>(voteCount);
            for (int i = 0; i < voteCount; i++) {
                String userId = in.string();
                String kind = in.string();
                String feedbackId = in.string();
                long feedbackTime = in.varlong();
                long settleAt = in.varlong();
                int flags = in.bytes[in.pos++];
                votes.add(new Vote(
                        userId,
                        kind,
                        feedbackId,
                        feedbackTime,
                        settleAt,
                        (flags & 1) != 0,
                        (flags & 2) != 0,
                        (flags & 4) != 0,
                        in.offset()));
            }
            int seenCount = in.length();
            List<String> seen = new ArrayList<>(seenCount);
            for (int i = 0; i < seenCount; i++) {
                seen.add(in.string());
            }
            int earlyCount = in.length();
            List<PendingFeedback> early = new ArrayList<>(earlyCount);
            for (int i = 0; i < earlyCount; i++) {
                PendingFeedback p = new PendingFeedback();
                p.setFeedbackId(in.string());
                p.setUserId(in.string());
                p.setKind(in.string());
                p.setEventTime(in.varlong());
                p.setRecordTime(in.varlong());
                p.setOffset(in.offset());
                p.setRawKey(in.buffer());
                p.setRawValue(in.buffer());
                early.add(p);
            }
            if (in.pos != bytes.length) {
                throw new SerializationException(
                        "KTO state of " + responseId + ": " + (bytes.length - in.pos) + " bytes left over");
            }
            return new KtoResponseState(responseId, response, votes, seen, early, expiresAt);
        } catch (ArrayIndexOutOfBoundsException | NegativeArraySizeException e) {
            throw new SerializationException("Truncated KTO state record of " + bytes.length + " bytes", e);
        }
    }

    /** The encoding of {@code r}: the kept one when {@code r} was encoded or decoded here last in its slot. */
    private byte[] responseBytes(ResponseSnapshot r) {
        int slot = System.identityHashCode(r) & (MEMO_SLOTS - 1);
        Memo m = memo.get(slot);
        if (m != null && m.snapshot() == r) {
            return m.bytes();
        }
        BinaryOut w = responseWriters.get().reset();
        w.string(r.getResponseId());
        w.string(r.getPromptId());
        w.string(r.getPrompt());
        w.string(r.getCompletion());
        w.varlong(r.getPolicyVersion());
        w.write(r.getRollout() ? 1 : 0);
        optionalString(w, r.getTask());
        w.varlong(r.getEventTime());
        offset(w, r.getOffset());
        w.write(r.getTruncated() ? 1 : 0);
        optionalString(w, r.getUserId());
        byte[] bytes = w.toByteArray();
        remember(r, bytes);
        return bytes;
    }

    private void remember(ResponseSnapshot r, byte[] bytes) {
        if (bytes.length <= MEMO_MAX_BYTES) {
            memo.set(System.identityHashCode(r) & (MEMO_SLOTS - 1), new Memo(r, bytes));
        }
    }

    private static void optionalString(BinaryOut w, String s) {
        if (s == null) {
            w.write(0);
        } else {
            w.write(1);
            w.string(s);
        }
    }

    private static void offset(BinaryOut w, SourceOffset o) {
        if (o == null) {
            w.write(0);
        } else {
            w.write(1);
            w.string(o.getTopic());
            w.varlong(o.getPartition());
            w.varlong(o.getOffset());
        }
    }

    private static void optionalBytes(BinaryOut w, ByteBuffer b) {
        if (b == null) {
            w.write(0);
        } else {
            w.write(1);
            w.bytes(b);
        }
    }

    /** Reads the encoded parts from an array. */
    private static final class Reader {
        final byte[] bytes;
        int pos;

        Reader(byte[] bytes, int pos) {
            this.bytes = bytes;
            this.pos = pos;
        }

        boolean flag() {
            byte b = bytes[pos++];
            if (b != 0 && b != 1) {
                throw new SerializationException("KTO state: presence byte " + b + " at " + (pos - 1));
            }
            return b == 1;
        }

        long unsigned() {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                byte b = bytes[pos++];
                v |= (long) (b & 0x7F) << shift;
                if (b >= 0) {
                    return v;
                }
            }
            throw new SerializationException("KTO state: varint longer than ten bytes at " + pos);
        }

        int length() {
            long n = varlong();
            if (n < 0 || n > bytes.length - pos) {
                throw new SerializationException("KTO state: length " + n + " at " + pos + " past the record's end");
            }
            return (int) n;
        }

        long varlong() {
            long v = unsigned();
            return (v >>> 1) ^ -(v & 1);
        }

        String string() {
            int n = length();
            String s = new String(bytes, pos, n, StandardCharsets.UTF_8);
            pos += n;
            return s;
        }

        String optionalString() {
            return flag() ? string() : null;
        }

        SourceOffset offset() {
            if (!flag()) {
                return null;
            }
            String topic = string();
            return new SourceOffset(topic, (int) varlong(), varlong());
        }

        ByteBuffer buffer() {
            if (!flag()) {
                return null;
            }
            int n = length();
            ByteBuffer b = ByteBuffer.wrap(Arrays.copyOfRange(bytes, pos, pos + n));
            pos += n;
            return b;
        }

        ResponseSnapshot snapshot() {
            // Setters, not Avro's builder (which resolves defaults on every build): every field is set here.
            ResponseSnapshot s = new ResponseSnapshot();
            s.setResponseId(string());
            s.setPromptId(string());
            s.setPrompt(string());
            s.setCompletion(string());
            s.setPolicyVersion(varlong());
            s.setRollout(flag());
            s.setTask(optionalString());
            s.setEventTime(varlong());
            s.setOffset(offset());
            s.setTruncated(flag());
            s.setUserId(optionalString());
            return s;
        }
    }
}
