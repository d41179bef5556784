package io.streamrlhf.trainer.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrlhf.avro.PolicyStatus;
import io.streamrlhf.avro.PolicyVersion;
import io.streamrlhf.trainer.checkpoint.VersionVerifier.Reason;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VersionVerifierTest {

    private static final String KEY = "a-signing-key-of-at-least-32-characters!";
    private static final VersionSigner SIGNER = new VersionSigner(KEY);

    @TempDir
    Path root;

    private LocalCheckpointStore store;

    @BeforeEach
    void store() throws Exception {
        store = new LocalCheckpointStore(root.resolve("store"), 1_000);
    }

    @Test
    void acceptsAChainOfSignedVersionsEachNewerThanItsKnownParent() throws Exception {
        VersionVerifier verifier = new VersionVerifier("policy", Optional.of(SIGNER), store);
        assertThat(admit(verifier, version(0, null), true)).isEmpty();
        assertThat(admit(verifier, version(1, 0L), true)).isEmpty();
        assertThat(admit(verifier, version(3, 1L), true)).isEmpty();
        assertThat(verifier.refused()).isZero();
    }

    @Test
    void refusesUnsignedAndBadlySignedVersionsWhenAKeyIsSet() throws Exception {
        VersionVerifier verifier = new VersionVerifier("policy", Optional.of(SIGNER), store);
        PolicyVersion v0 = version(0, null);
        assertThat(admit(verifier, v0, false))
                .map(VersionVerifier.Refusal::reason)
                .contains(Reason.UNSIGNED);
        byte[] bytes = bytes(v0);
        Headers wrong = new RecordHeaders().add(VersionSigner.HEADER, new VersionSigner(KEY.toUpperCase()).sign(bytes));
        assertThat(verifier.admit(v0, bytes, wrong))
                .map(VersionVerifier.Refusal::reason)
                .contains(Reason.BAD_SIGNATURE);
        // a signature of other bytes (the record altered after signing) is as bad as a wrong key
        Headers stale = new RecordHeaders().add(VersionSigner.HEADER, SIGNER.sign("other".getBytes()));
        assertThat(verifier.admit(v0, bytes, stale))
                .map(VersionVerifier.Refusal::reason)
                .contains(Reason.BAD_SIGNATURE);
        assertThat(verifier.refusals()).isEqualTo(Map.of(Reason.UNSIGNED, 1L, Reason.BAD_SIGNATURE, 2L));
    }

    @Test
    void withoutAKeyUnsignedVersionsAreJudgedByTheOtherRules() throws Exception {
        VersionVerifier verifier = new VersionVerifier("policy", Optional.empty(), store);
        assertThat(admit(verifier, version(0, null), false)).isEmpty();
        assertThat(admit(verifier, version(1, 0L), false)).isEmpty();
    }

    @Test
    void aHugeForgedNumberIsRefusedAndDoesNotRaiseTheBarForTheNextRealVersion() throws Exception {
        VersionVerifier verifier = new VersionVerifier("policy", Optional.empty(), store);
        admit(verifier, version(0, null), false);
        // a forged number with an unknown parent
        assertThat(admit(verifier, version(Long.MAX_VALUE, 41L), false))
                .map(VersionVerifier.Refusal::reason)
                .contains(Reason.UNKNOWN_PARENT);
        // a forged number naming the real parent but borrowing version 0's checkpoint
        PolicyVersion borrowed = version(Long.MAX_VALUE, 0L);
        borrowed.setCheckpointUri(version(0, null).getCheckpointUri());
        assertThat(admit(verifier, borrowed, false))
                .map(VersionVerifier.Refusal::reason)
                .contains(Reason.CHECKPOINT_MISMATCH);
        // the real next version is still accepted, and the forged number never became a parent
        assertThat(admit(verifier, version(1, 0L), false)).isEmpty();
        assertThat(admit(verifier, version(2, Long.MAX_VALUE), false))
                .map(VersionVerifier.Refusal::reason)
                .contains(Reason.UNKNOWN_PARENT);
    }

    @Test
    void refusesAVersionNotNewerThanAnAcceptedOne() throws Exception {
        VersionVerifier verifier = new VersionVerifier("policy", Optional.empty(), store);
        admit(verifier, version(0, null), false);
        admit(verifier, version(2, 0L), false);
        assertThat(admit(verifier, version(2, 0L), false))
                .map(VersionVerifier.Refusal::reason)
                .contains(Reason.NOT_NEWER);
        assertThat(admit(verifier, version(1, 0L), false))
                .map(VersionVerifier.Refusal::reason)
                .contains(Reason.NOT_NEWER);
    }

    @Test
    void onlyTheFirstVersionMayNameNoParent() throws Exception {
        VersionVerifier verifier = new VersionVerifier("policy", Optional.empty(), store);
        assertThat(admit(verifier, version(1, 0L), false))
                .map(VersionVerifier.Refusal::reason)
                .contains(Reason.UNKNOWN_PARENT);
        admit(verifier, version(2, null), false);
        assertThat(admit(verifier, version(3, null), false))
                .map(VersionVerifier.Refusal::reason)
                .contains(Reason.UNKNOWN_PARENT);
    }

    @Test
    void aBranchsFirstVersionMayNameAVersionOfItsBaseModelAsParentButNoLaterOneMay() throws Exception {
        VersionVerifier verifier = new VersionVerifier("policy@exp", Optional.empty(), store);
        // given a branch trained from version 4 of policy
        PolicyVersion first = branchVersion(5, 4L, "policy");
        // when, then
        assertThat(admit(verifier, first, false)).isEmpty();
        assertThat(admit(verifier, branchVersion(6, 5L, null), false)).isEmpty();
        assertThat(admit(verifier, branchVersion(7, 4L, "policy"), false))
                .map(VersionVerifier.Refusal::reason)
                .contains(Reason.UNKNOWN_PARENT);
    }

    @Test
    void aFirstVersionNamingAnotherModelMustNameItsVersion() throws Exception {
        VersionVerifier verifier = new VersionVerifier("policy@exp", Optional.empty(), store);
        assertThat(admit(verifier, branchVersion(5, null, "policy"), false))
                .map(VersionVerifier.Refusal::reason)
                .contains(Reason.UNKNOWN_PARENT);
    }

    @Test
    void refusesCheckpointsOutsideTheStoreMissingOrTooLarge() throws Exception {
        VersionVerifier verifier = new VersionVerifier("policy", Optional.empty(), store);
        admit(verifier, version(0, null), false);
        PolicyVersion devZero = version(1, 0L);
        devZero.setCheckpointUri("file:///dev/zero");
        PolicyVersion outside = version(1, 0L);
        Path elsewhere = Files.writeString(root.resolve("policy-v1-0123abcd.ckpt"), "x");
        outside.setCheckpointUri(elsewhere.toUri().toString());
        PolicyVersion missing = version(1, 0L);
        missing.setCheckpointUri(
                store.folder().resolve("policy-v1-feedbeef.ckpt").toUri().toString());
        PolicyVersion recordedLarge = version(1, 0L);
        recordedLarge.setSizeBytes(1_001L);
        PolicyVersion actuallyLarge = version(1, 0L);
        Files.write(java.nio.file.Path.of(java.net.URI.create(actuallyLarge.getCheckpointUri())), new byte[1_001]);

        assertThat(reason(verifier, devZero)).contains(Reason.OUTSIDE_STORE);
        assertThat(reason(verifier, outside)).contains(Reason.OUTSIDE_STORE);
        assertThat(reason(verifier, missing)).contains(Reason.MISSING_CHECKPOINT);
        assertThat(reason(verifier, recordedLarge)).contains(Reason.TOO_LARGE);
        assertThat(reason(verifier, actuallyLarge)).contains(Reason.TOO_LARGE);
    }

    @Test
    void refusesALinkInTheStoreNamedAsTheVersionThatLeadsToDevZero() throws Exception {
        VersionVerifier verifier = new VersionVerifier("policy", Optional.empty(), store);
        Path link = Files.createSymbolicLink(store.folder().resolve("policy-v0-0badc0de.ckpt"), Path.of("/dev/zero"));
        PolicyVersion v0 = version(0, null);
        v0.setCheckpointUri(link.toUri().toString());
        assertThat(reason(verifier, v0)).contains(Reason.OUTSIDE_STORE);
    }

    private Optional<Reason> reason(VersionVerifier verifier, PolicyVersion v) {
        return admit(verifier, v, false).map(VersionVerifier.Refusal::reason);
    }

    private static Optional<VersionVerifier.Refusal> admit(VersionVerifier verifier, PolicyVersion v, boolean sign) {
        byte[] bytes = bytes(v);
        Headers headers = new RecordHeaders();
        if (sign) {
            headers.add(VersionSigner.HEADER, SIGNER.sign(bytes));
        }
        return verifier.admit(v, bytes, headers);
    }

    /** Stand-in value bytes: the verifier signs and checks whatever bytes the record carried. */
    private static byte[] bytes(PolicyVersion v) {
        return v.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** A version of branch {@code policy@exp}, with its checkpoint file, whose parent may be of another model. */
    private PolicyVersion branchVersion(long version, Long parent, String parentModelId) throws Exception {
        Path file = store.folder().resolve("policy@exp-v" + version + "-0123abcd.ckpt");
        if (!Files.exists(file)) {
            Files.writeString(file, "checkpoint of " + version);
        }
        return PolicyVersion.newBuilder()
                .setModelId("policy@exp")
                .setVersion(version)
                .setParentVersion(parent)
                .setParentModelId(parentModelId)
                .setCheckpointUri(file.toUri().toString())
                .setSha256("0".repeat(64))
                .setSizeBytes(Files.size(file))
                .setCreatedTime(Instant.ofEpochMilli(0))
                .setStatus(PolicyStatus.PUBLISHED)
                .build();
    }

    /** A version whose (small, not decodable) checkpoint file exists in the store under its proper name. */
    private PolicyVersion version(long version, Long parent) throws Exception {
        Path file = store.folder().resolve("policy-v" + version + "-0123abcd.ckpt");
        if (!Files.exists(file)) {
            Files.writeString(file, "checkpoint of " + version);
        }
        return PolicyVersion.newBuilder()
                .setModelId("policy")
                .setVersion(version)
                .setParentVersion(parent)
                .setCheckpointUri(file.toUri().toString())
                .setSha256("0".repeat(64))
                .setSizeBytes(Files.size(file))
                .setCreatedTime(Instant.ofEpochMilli(0))
                .setStatus(PolicyStatus.PUBLISHED)
                .build();
    }
}
