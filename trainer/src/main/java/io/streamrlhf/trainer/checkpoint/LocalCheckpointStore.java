package io.streamrlhf.trainer.checkpoint;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checkpoints as files in a local folder ({@code file://} URIs): written to a temporary file,
 * fsynced, atomically renamed into place, then the folder is fsynced so the rename survives a crash.
 */
public final class LocalCheckpointStore implements CheckpointStore {

    /** File name suffix of checkpoints. */
    public static final String SUFFIX = ".ckpt";

    private static final Logger LOG = LoggerFactory.getLogger(LocalCheckpointStore.class);

    private final Path folder;

    /** A store in {@code folder}, created when missing. */
    public LocalCheckpointStore(Path folder) throws IOException {
        this.folder = Files.createDirectories(folder).toAbsolutePath();
        try (Stream<Path> leftovers = Files.list(this.folder)) {
            // Temporary files are partial writes from a crash: never valid, always safe to remove.
            for (Path p : leftovers
                    .filter(p -> p.getFileName().toString().endsWith(".tmp"))
                    .toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** The folder. */
    public Path folder() {
        return folder;
    }

    @Override
    public Stored write(String name, Checkpoint checkpoint) throws IOException {
        if (!name.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("checkpoint name must be [A-Za-z0-9._-]+, was " + name);
        }
        byte[] bytes = CheckpointCodec.encode(checkpoint);
        Path target = folder.resolve(name + SUFFIX);
        Path temp = folder.resolve(name + "." + UUID.randomUUID() + ".tmp");
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        }
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        fsyncFolder();
        String sha = CheckpointCodec.sha256Hex(bytes);
        LOG.info("Wrote checkpoint {} ({} bytes, sha256 {})", target, bytes.length, sha);
        return new Stored(target.toUri(), sha, bytes.length);
    }

    @Override
    public Checkpoint read(URI uri, String expectedSha256) throws IOException {
        Path path = pathOf(uri);
        byte[] bytes = Files.readAllBytes(path);
        if (expectedSha256 != null) {
            String actual = CheckpointCodec.sha256Hex(bytes);
            if (!actual.equalsIgnoreCase(expectedSha256)) {
                throw new CorruptCheckpointException("checkpoint " + uri + " has sha256 " + actual
                        + " but its policy version records " + expectedSha256 + "; refusing to load it");
            }
        }
        return CheckpointCodec.decode(bytes, uri.toString());
    }

    @Override
    public List<URI> list() throws IOException {
        List<URI> uris = new ArrayList<>();
        try (Stream<Path> files = Files.list(folder)) {
            files.filter(p -> p.getFileName().toString().endsWith(SUFFIX))
                    .sorted()
                    .forEach(p -> uris.add(p.toUri()));
        }
        return uris;
    }

    @Override
    public void delete(URI uri) throws IOException {
        Files.deleteIfExists(pathOf(uri));
    }

    private Path pathOf(URI uri) {
        if (!"file".equals(uri.getScheme())) {
            throw new IllegalArgumentException("local store reads file:// URIs only, got " + uri);
        }
        return Path.of(uri);
    }

    private void fsyncFolder() {
        try (FileChannel dir = FileChannel.open(folder, StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException e) {
            // Some file systems cannot open a directory for fsync; the rename is still atomic.
            LOG.debug("Could not fsync folder {}", folder, e);
        }
    }
}
