package io.streamrlhf.trainer.checkpoint;

import io.streamrlhf.avro.PolicyVersion;
import java.net.URI;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Decides which {@code PolicyVersion} records of one model id to trust, in log order. A version is refused when
 * <ul>
 *   <li>a signing key is configured and the record carries no signature ({@link Reason#UNSIGNED}) or a wrong one
 *       ({@link Reason#BAD_SIGNATURE}): the signature covers the exact value bytes;</li>
 *   <li>its number is not greater than every version accepted before ({@link Reason#NOT_NEWER});</li>
 *   <li>its parent is not an accepted version of the same model id ({@link Reason#UNKNOWN_PARENT}); only the first
 *       version of a model id may have none, or name a version of another model ({@code parentModelId}: a replay
 *       branch's first version names the base it was trained from);</li>
 *   <li>its checkpoint file is not named as this version of this model ({@link Reason#CHECKPOINT_MISMATCH}), so a
 *       forged number cannot borrow another version's checkpoint;</li>
 *   <li>its checkpoint URI lies outside the store ({@link Reason#OUTSIDE_STORE}), is missing
 *       ({@link Reason#MISSING_CHECKPOINT}) or not a regular file ({@link Reason#NOT_REGULAR_FILE}), or the record
 *       or the file is above the store's size bound ({@link Reason#TOO_LARGE}).</li>
 * </ul>
 * A refused version is never remembered, so it cannot become anyone's parent or raise the bar for the next one.
 * Loaders add {@link Reason#CHECKPOINT_MISMATCH} through {@link #refuse} when the checkpoint's own header names
 * another model or version. Refusals are counted per reason. Not thread-safe: one per reading thread.
 */
public final class VersionVerifier {

    /** Why a version was refused. */
    public enum Reason {
        /** A key is configured and the record has no signature header. */
        UNSIGNED,
        /** The signature does not match the value bytes under the configured key. */
        BAD_SIGNATURE,
        /** Its number is not greater than an earlier accepted version's. */
        NOT_NEWER,
        /** Its parent is missing or not an accepted version of the model. */
        UNKNOWN_PARENT,
        /** Its checkpoint URI is not inside the checkpoint store. */
        OUTSIDE_STORE,
        /** Its checkpoint is larger than the store's bound. */
        TOO_LARGE,
        /** Its checkpoint is a directory, device, pipe or anything but a regular file. */
        NOT_REGULAR_FILE,
        /** Its checkpoint does not exist. */
        MISSING_CHECKPOINT,
        /** Its checkpoint's chunks (the kafka store's) are missing, extra, duplicated or inconsistent. */
        INCOMPLETE_CHECKPOINT,
        /**
         * Its checkpoint is of another model or version than the record says: by its file name
         * ({@link CheckpointNames}) or, once loaded, by its own header.
         */
        CHECKPOINT_MISMATCH
    }

    /**
     * A refusal.
     *
     * @param reason the rule broken
     * @param detail what was seen, for logs and dead letters (never a key)
     */
    public record Refusal(Reason reason, String detail) {
        /** {@code REASON: detail}, the shape of a dead letter's reason. */
        @Override
        public String toString() {
            return reason.name() + ": " + detail;
        }
    }

    private final String modelId;
    private final Optional<VersionSigner> signer;
    private final CheckpointStore store;
    private final Set<Long> accepted = new HashSet<>();
    private final Map<Reason, Long> refusals = new EnumMap<>(Reason.class);
    private long highest = Long.MIN_VALUE;

    /**
     * @param modelId the model whose versions are checked
     * @param signer the key versions must be signed with, or empty to accept unsigned records
     * @param store the store every checkpoint must lie in
     */
    public VersionVerifier(String modelId, Optional<VersionSigner> signer, CheckpointStore store) {
        this.modelId = Objects.requireNonNull(modelId, "modelId");
        this.signer = Objects.requireNonNull(signer, "signer");
        this.store = Objects.requireNonNull(store, "store");
    }

    /**
     * Checks the next version of this verifier's model id, read from the log with its exact value bytes and
     * headers, and remembers it when it is accepted.
     *
     * @return the refusal, or empty when the version is accepted
     */
    public Optional<Refusal> admit(PolicyVersion version, byte[] valueBytes, Headers headers) {
        if (!modelId.equals(version.getModelId())) {
            throw new IllegalArgumentException(
                    "verifier of " + modelId + " asked about a version of " + version.getModelId());
        }
        Optional<Refusal> refusal = check(version, valueBytes, headers);
        if (refusal.isPresent()) {
            count(refusal.get().reason());
        } else {
            accepted.add(version.getVersion());
            highest = Math.max(highest, version.getVersion());
        }
        return refusal;
    }

    private Optional<Refusal> check(PolicyVersion version, byte[] valueBytes, Headers headers) {
        if (signer.isPresent()) {
            Header header = headers == null ? null : headers.lastHeader(VersionSigner.HEADER);
            if (header == null || header.value() == null) {
                return refused(Reason.UNSIGNED, "no " + VersionSigner.HEADER + " header but a signing key is set");
            }
            if (!signer.get().verify(valueBytes, header.value())) {
                return refused(
                        Reason.BAD_SIGNATURE, "the signature does not match the record under the configured key");
            }
        }
        long number = version.getVersion();
        if (!accepted.isEmpty() && number <= highest) {
            return refused(Reason.NOT_NEWER, "version " + number + " is not greater than version " + highest);
        }
        Long parent = version.getParentVersion();
        boolean otherModel = version.getParentModelId() != null && !modelId.equals(version.getParentModelId());
        boolean parentRefused = accepted.isEmpty()
                ? (otherModel ? parent == null : parent != null)
                : otherModel || parent == null || !accepted.contains(parent);
        if (parentRefused) {
            return refused(
                    Reason.UNKNOWN_PARENT,
                    "version " + number + " names parent " + parent + ", which is not "
                            + (accepted.isEmpty()
                                    ? "allowed for the first version of " + modelId
                                    : "an accepted version of " + modelId));
        }
        if (version.getSizeBytes() > store.maxBytes()) {
            return refused(
                    Reason.TOO_LARGE,
                    "version " + number + " records " + version.getSizeBytes() + " bytes, above the bound of "
                            + store.maxBytes());
        }
        URI uri;
        try {
            uri = URI.create(version.getCheckpointUri());
        } catch (IllegalArgumentException e) {
            return refused(Reason.OUTSIDE_STORE, "checkpoint URI is not a URI: " + e.getMessage());
        }
        try {
            store.checkLocation(uri);
        } catch (UntrustedCheckpointException e) {
            return refused(reasonOf(e), e.getMessage());
        }
        // Each version has its own file named after it; pointing a forged number at another version's file fails.
        if (!store.isOf(modelId, number, uri)) {
            return refused(
                    Reason.CHECKPOINT_MISMATCH,
                    "checkpoint " + uri + " is not named as version " + number + " of " + modelId + " ("
                            + store.describeName(modelId, number) + ")");
        }
        return Optional.empty();
    }

    /** The reason a store's refusal to open a checkpoint is counted under. */
    public static Reason reasonOf(UntrustedCheckpointException e) {
        return switch (e.kind()) {
            case OUTSIDE_STORE -> Reason.OUTSIDE_STORE;
            case NOT_REGULAR_FILE -> Reason.NOT_REGULAR_FILE;
            case TOO_LARGE -> Reason.TOO_LARGE;
            case MISSING -> Reason.MISSING_CHECKPOINT;
            case INCOMPLETE -> Reason.INCOMPLETE_CHECKPOINT;
        };
    }

    /** Counts a refusal found after {@link #admit} (by a loader that opened the checkpoint). */
    public Refusal refuse(Reason reason, String detail) {
        count(reason);
        return new Refusal(reason, detail);
    }

    /** How many versions were refused, per reason (only reasons that occurred). */
    public synchronized Map<Reason, Long> refusals() {
        return Map.copyOf(refusals);
    }

    /** All refusals. */
    public synchronized long refused() {
        return refusals.values().stream().mapToLong(Long::longValue).sum();
    }

    private synchronized void count(Reason reason) {
        refusals.merge(reason, 1L, Long::sum);
    }

    private static Optional<Refusal> refused(Reason reason, String detail) {
        return Optional.of(new Refusal(reason, detail));
    }
}
