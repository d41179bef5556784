package io.streamrlhf.trainer.checkpoint;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checkpoints as files in a local folder ({@code file://} URIs): written to a temporary file,
 * fsynced, atomically renamed into place, then the folder is fsynced so the rename survives a crash.
 *
 * <p>A Hugging Face model's version is a directory instead ({@link HfCheckpointFiles}: a PEFT adapter, or the weights,
 * plus the trainer's state), written the same way (files fsynced in a temporary directory renamed into place) and
 * addressed by the directory's URI; its recorded sha256 is the digest of its files' manifest, and the size bound
 * applies to their sum.
 *
 * <p>URIs come from {@code PolicyVersion} records, which anyone who can write the versions topic can forge, so
 * the store reads and deletes only inside its folder: a {@code file://} URI without {@code ..} segments whose
 * path, symbolic links resolved, lies under the folder's real path. It reads only regular files no larger than
 * its bound, checked before a byte is read ({@code file:///dev/zero} is refused, not read).
 */
public final class LocalCheckpointStore implements CheckpointStore {

    /** File name suffix of checkpoints. */
    public static final String SUFFIX = ".ckpt";
    /** The default size bound: 1 GiB, far above the default policy's few megabytes. */
    public static final long DEFAULT_MAX_BYTES = 1L << 30;
    /** The largest bound a store accepts: what one byte array can hold. */
    public static final long LIMIT_MAX_BYTES = Integer.MAX_VALUE - 8L;

    private static final Logger LOG = LoggerFactory.getLogger(LocalCheckpointStore.class);

    private final Path folder;
    private final Path realFolder;
    private final long maxBytes;

    /** A store in {@code folder}, created when missing, reading checkpoints up to {@link #DEFAULT_MAX_BYTES}. */
    public LocalCheckpointStore(Path folder) throws IOException {
        this(folder, DEFAULT_MAX_BYTES);
    }

    /** A store in {@code folder}, created when missing, reading checkpoints up to {@code maxBytes}. */
    public LocalCheckpointStore(Path folder, long maxBytes) throws IOException {
        if (maxBytes < 1 || maxBytes > LIMIT_MAX_BYTES) {
            throw new IllegalArgumentException(
                    "checkpoint size bound must be 1.." + LIMIT_MAX_BYTES + " bytes, was " + maxBytes);
        }
        this.maxBytes = maxBytes;
        this.folder = Files.createDirectories(folder).toAbsolutePath().normalize();
        this.realFolder = this.folder.toRealPath();
        try (Stream<Path> leftovers = Files.list(this.folder)) {
            // Temporary files are partial writes from a crash: never valid, always safe to remove.
            for (Path p : leftovers
                    .filter(p -> p.getFileName().toString().endsWith(".tmp"))
                    .toList()) {
                deleteRecursively(p);
            }
        }
    }

    /** The folder. */
    public Path folder() {
        return folder;
    }

    @Override
    public Stored write(String name, Checkpoint checkpoint) throws IOException {
        // '@' separates a replay branch from its model id (policy@experiment-v3-...).
        if (!name.matches("[A-Za-z0-9._@-]+")) {
            throw new IllegalArgumentException("checkpoint name must be [A-Za-z0-9._@-]+, was " + name);
        }
        if (checkpoint.hf().isPresent()) {
            return writeDirectory(name, checkpoint);
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
        Path path = inspect(uri);
        if (Files.isDirectory(path)) {
            return readDirectory(path, uri, expectedSha256);
        }
        byte[] bytes = readAtMost(path, maxBytes, uri);
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
            files.filter(p -> p.getFileName().toString().endsWith(SUFFIX)
                            || (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)
                                    && !p.getFileName().toString().endsWith(".tmp")))
                    .sorted()
                    .forEach(p -> uris.add(p.toUri()));
        }
        return uris;
    }

    @Override
    public void delete(URI uri) throws IOException {
        deleteRecursively(pathOf(uri));
    }

    @Override
    public void checkLocation(URI uri) throws UntrustedCheckpointException {
        inspect(uri);
    }

    /** The real path of {@code uri} once it has passed every check of {@link #checkLocation}. */
    private Path inspect(URI uri) throws UntrustedCheckpointException {
        Path real;
        try {
            real = pathOf(uri).toRealPath();
        } catch (UntrustedCheckpointException e) {
            throw e;
        } catch (IOException e) {
            throw new UntrustedCheckpointException(
                    UntrustedCheckpointException.Kind.MISSING, "checkpoint " + uri + " does not exist");
        }
        requireInside(uri, real);
        // Attributes of the resolved file, so a link inside the store cannot smuggle in a device or a huge file.
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(real, BasicFileAttributes.class);
        } catch (IOException e) {
            throw new UntrustedCheckpointException(
                    UntrustedCheckpointException.Kind.MISSING, "checkpoint " + uri + " cannot be inspected");
        }
        long size = attributes.size();
        if (attributes.isDirectory()) {
            size = directorySize(uri, real);
        } else if (!attributes.isRegularFile()) {
            throw new UntrustedCheckpointException(
                    UntrustedCheckpointException.Kind.NOT_REGULAR_FILE,
                    "checkpoint " + uri + " is not a regular file; refusing to read it");
        }
        if (size > maxBytes) {
            throw new UntrustedCheckpointException(
                    UntrustedCheckpointException.Kind.TOO_LARGE,
                    "checkpoint " + uri + " has " + size + " bytes, above the bound of " + maxBytes
                            + " (trainer.checkpoint.max.bytes); refusing to read it");
        }
        return real;
    }

    @Override
    public long maxBytes() {
        return maxBytes;
    }

    /** The path of {@code uri}, refused unless it is a plain {@code file://} path under the folder. */
    private Path pathOf(URI uri) throws UntrustedCheckpointException {
        if (!"file".equals(uri.getScheme())
                || uri.getRawAuthority() != null
                || uri.getRawQuery() != null
                || uri.getRawFragment() != null
                || uri.getPath() == null) {
            throw outside(uri, "only plain file:// URIs are read");
        }
        for (String segment : uri.getPath().split("/")) {
            if (segment.equals("..")) {
                throw outside(uri, "it has a '..' segment");
            }
        }
        Path path;
        try {
            path = Path.of(uri).toAbsolutePath().normalize();
        } catch (IllegalArgumentException e) {
            throw outside(uri, e.getMessage());
        }
        if (!path.startsWith(folder) || path.equals(folder)) {
            throw outside(uri, "it is not under " + folder);
        }
        return path;
    }

    private void requireInside(URI uri, Path realPath) throws UntrustedCheckpointException {
        if (!realPath.startsWith(realFolder) || realPath.equals(realFolder)) {
            throw outside(uri, "it resolves to " + realPath + ", not under " + realFolder);
        }
    }

    private UntrustedCheckpointException outside(URI uri, String why) {
        return new UntrustedCheckpointException(
                UntrustedCheckpointException.Kind.OUTSIDE_STORE,
                "checkpoint URI " + uri + " is outside the store " + folder + ": " + why + "; refusing it");
    }

    /** Reads the file, failing rather than growing past {@code limit} if it grew after its size was checked. */
    private static byte[] readAtMost(Path path, long limit, URI uri) throws IOException {
        try (InputStream in = Files.newInputStream(path)) {
            byte[] bytes = in.readNBytes((int) limit);
            if (in.read() != -1) {
                throw new UntrustedCheckpointException(
                        UntrustedCheckpointException.Kind.TOO_LARGE,
                        "checkpoint " + uri + " grew above the bound of " + limit + " bytes while being read");
            }
            return bytes;
        }
    }

    /**
     * The summed size of a version directory's files, each of which must be a regular file (no link, no
     * sub-directory) of a name {@link HfCheckpointFiles} writes, the trainer's state among them.
     */
    private static long directorySize(URI uri, Path dir) throws UntrustedCheckpointException {
        long total = 0;
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path p : entries.toList()) {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                if (!a.isRegularFile()
                        || !HfCheckpointFiles.FILES.contains(p.getFileName().toString())) {
                    throw new UntrustedCheckpointException(
                            UntrustedCheckpointException.Kind.NOT_REGULAR_FILE,
                            "checkpoint " + uri + " holds " + p.getFileName()
                                    + ", which is not a regular file a version directory has; refusing to read it");
                }
                total += a.size();
            }
        } catch (UntrustedCheckpointException e) {
            throw e;
        } catch (IOException e) {
            throw new UntrustedCheckpointException(
                    UntrustedCheckpointException.Kind.MISSING, "checkpoint " + uri + " cannot be listed");
        }
        if (!Files.isRegularFile(dir.resolve(HfCheckpointFiles.STATE_FILE), LinkOption.NOFOLLOW_LINKS)) {
            throw new UntrustedCheckpointException(
                    UntrustedCheckpointException.Kind.NOT_REGULAR_FILE,
                    "checkpoint " + uri + " is a directory without " + HfCheckpointFiles.STATE_FILE
                            + ", not a version; refusing to read it");
        }
        return total;
    }

    private Stored writeDirectory(String name, Checkpoint checkpoint) throws IOException {
        Path target = folder.resolve(name);
        Path temp = folder.resolve(name + "." + UUID.randomUUID() + ".tmp");
        Files.createDirectory(temp);
        try {
            HfCheckpointFiles.write(temp, checkpoint);
            SortedMap<String, byte[]> files = new TreeMap<>();
            try (Stream<Path> written = Files.list(temp)) {
                for (Path p : written.toList()) {
                    files.put(p.getFileName().toString(), Files.readAllBytes(p));
                    try (FileChannel channel = FileChannel.open(p, StandardOpenOption.WRITE)) {
                        channel.force(true);
                    }
                }
            }
            fsync(temp);
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            fsyncFolder();
            String sha = HfCheckpointFiles.digest(files);
            long size = files.values().stream().mapToLong(b -> b.length).sum();
            LOG.info("Wrote checkpoint {} ({} files, {} bytes, sha256 {})", target, files.size(), size, sha);
            return new Stored(target.toUri(), sha, size);
        } catch (IOException | RuntimeException e) {
            deleteRecursively(temp);
            throw e;
        }
    }

    /**
     * Reads a version directory's files into memory (their sum within the bound), verifies their digest, and
     * parses a private copy of exactly those bytes, so that what is verified is what is loaded.
     */
    private Checkpoint readDirectory(Path dir, URI uri, String expectedSha256) throws IOException {
        SortedMap<String, byte[]> files = new TreeMap<>();
        long budget = maxBytes;
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path p : entries.toList()) {
                byte[] bytes = readAtMost(p, budget, uri);
                budget -= bytes.length;
                files.put(p.getFileName().toString(), bytes);
            }
        }
        if (expectedSha256 != null) {
            String actual = HfCheckpointFiles.digest(files);
            if (!actual.equalsIgnoreCase(expectedSha256)) {
                throw new CorruptCheckpointException("checkpoint " + uri + " has sha256 " + actual
                        + " but its policy version records " + expectedSha256 + "; refusing to load it");
            }
        }
        Path copy = Files.createTempDirectory("streamrlhf-version");
        try {
            for (Map.Entry<String, byte[]> e : files.entrySet()) {
                Files.write(copy.resolve(e.getKey()), e.getValue());
            }
            return HfCheckpointFiles.read(copy, uri.toString());
        } finally {
            deleteRecursively(copy);
        }
    }

    private static void deleteRecursively(Path path) throws IOException {
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            try (Stream<Path> entries = Files.list(path)) {
                for (Path p : entries.toList()) {
                    deleteRecursively(p);
                }
            }
        }
        Files.deleteIfExists(path);
    }

    private static void fsync(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            LOG.debug("Could not fsync folder {}", dir, e);
        }
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
