package io.streamrlhf.trainer.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local store opens only regular files inside its folder, no larger than its bound. */
class CheckpointLocationTest {

    @TempDir
    Path root;

    @Test
    void acceptsARegularFileInsideTheStore() throws Exception {
        LocalCheckpointStore store = new LocalCheckpointStore(root.resolve("store"));
        Path file = Files.writeString(store.folder().resolve("policy-v1-0123abcd.ckpt"), "bytes");
        store.checkLocation(file.toUri());
    }

    @Test
    void refusesDevZeroWithoutReadingIt() throws Exception {
        LocalCheckpointStore store = new LocalCheckpointStore(root.resolve("store"));
        assertRefused(
                () -> store.read(URI.create("file:///dev/zero"), null),
                UntrustedCheckpointException.Kind.OUTSIDE_STORE);
        assertRefused(
                () -> store.checkLocation(URI.create("file:///dev/zero")),
                UntrustedCheckpointException.Kind.OUTSIDE_STORE);
    }

    @Test
    void refusesAFileOutsideTheStoreAndANeighbourFolderSharingItsPrefix() throws Exception {
        LocalCheckpointStore store = new LocalCheckpointStore(root.resolve("store"));
        Path outside = Files.writeString(root.resolve("policy-v1-0123abcd.ckpt"), "bytes");
        Path neighbour = Files.createDirectories(root.resolve("store-other"));
        Path sibling = Files.writeString(neighbour.resolve("policy-v1-0123abcd.ckpt"), "bytes");
        assertRefused(() -> store.read(outside.toUri(), null), UntrustedCheckpointException.Kind.OUTSIDE_STORE);
        assertRefused(() -> store.read(sibling.toUri(), null), UntrustedCheckpointException.Kind.OUTSIDE_STORE);
        assertRefused(() -> store.delete(outside.toUri()), UntrustedCheckpointException.Kind.OUTSIDE_STORE);
        assertThat(outside).exists();
    }

    @Test
    void refusesDotDotSegmentsEvenWhenTheyLeadBackInside() throws Exception {
        LocalCheckpointStore store = new LocalCheckpointStore(root.resolve("store"));
        Files.writeString(store.folder().resolve("policy-v1-0123abcd.ckpt"), "bytes");
        URI back = URI.create(store.folder().toUri() + "../store/policy-v1-0123abcd.ckpt");
        URI out = URI.create(store.folder().toUri() + "../policy-v1-0123abcd.ckpt");
        assertRefused(() -> store.checkLocation(back), UntrustedCheckpointException.Kind.OUTSIDE_STORE);
        assertRefused(() -> store.checkLocation(out), UntrustedCheckpointException.Kind.OUTSIDE_STORE);
    }

    @Test
    void refusesOtherSchemesHostsAndQueries() throws Exception {
        LocalCheckpointStore store = new LocalCheckpointStore(root.resolve("store"));
        String inside =
                store.folder().resolve("policy-v1-0123abcd.ckpt").toUri().getPath();
        for (String uri : new String[] {
            "http://example.com" + inside,
            "file://example.com" + inside,
            "file://" + inside + "?x=1",
            "jar:file:" + inside
        }) {
            assertRefused(() -> store.checkLocation(URI.create(uri)), UntrustedCheckpointException.Kind.OUTSIDE_STORE);
        }
    }

    @Test
    void refusesASymbolicLinkInsideTheStoreThatLeadsOutside() throws Exception {
        LocalCheckpointStore store = new LocalCheckpointStore(root.resolve("store"));
        Path secret = Files.writeString(root.resolve("secret.txt"), "not a checkpoint");
        Path toFile = Files.createSymbolicLink(store.folder().resolve("policy-v1-0123abcd.ckpt"), secret);
        Path toZero = Files.createSymbolicLink(store.folder().resolve("policy-v2-0123abcd.ckpt"), Path.of("/dev/zero"));
        assertRefused(() -> store.read(toFile.toUri(), null), UntrustedCheckpointException.Kind.OUTSIDE_STORE);
        assertRefused(() -> store.read(toZero.toUri(), null), UntrustedCheckpointException.Kind.OUTSIDE_STORE);
    }

    @Test
    void refusesADirectoryAndAMissingFile() throws Exception {
        LocalCheckpointStore store = new LocalCheckpointStore(root.resolve("store"));
        Path dir = Files.createDirectories(store.folder().resolve("policy-v1-0123abcd.ckpt"));
        assertRefused(() -> store.read(dir.toUri(), null), UntrustedCheckpointException.Kind.NOT_REGULAR_FILE);
        assertRefused(
                () -> store.read(
                        store.folder().resolve("policy-v2-0123abcd.ckpt").toUri(), null),
                UntrustedCheckpointException.Kind.MISSING);
    }

    @Test
    void refusesAFileAboveTheSizeBoundBeforeReadingIt() throws Exception {
        LocalCheckpointStore store = new LocalCheckpointStore(root.resolve("store"), 100);
        Path big = Files.write(store.folder().resolve("policy-v1-0123abcd.ckpt"), new byte[101]);
        Path fits = Files.write(store.folder().resolve("policy-v2-0123abcd.ckpt"), new byte[100]);
        assertRefused(() -> store.read(big.toUri(), null), UntrustedCheckpointException.Kind.TOO_LARGE);
        // at the bound it is read, and then fails only as what it is: not a checkpoint
        assertThatThrownBy(() -> store.read(fits.toUri(), null)).isInstanceOf(CorruptCheckpointException.class);
    }

    private static void assertRefused(ThrowingCallable call, UntrustedCheckpointException.Kind kind) {
        assertThatThrownBy(call)
                .isInstanceOfSatisfying(
                        UntrustedCheckpointException.class,
                        e -> assertThat(e.kind()).isEqualTo(kind));
    }
}
