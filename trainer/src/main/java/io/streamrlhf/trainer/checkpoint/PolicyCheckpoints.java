package io.streamrlhf.trainer.checkpoint;

import io.streamrlhf.avro.PolicyVersion;
import io.streamrlhf.trainer.model.PolicyModel;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;

/**
 * Loading a published policy for serving (the sampler's entry point): verifies the checkpoint
 * against the version's sha256 and returns a ready {@link PolicyModel} on the best device.
 *
 * <pre>{@code
 * try (PolicyModel policy = PolicyCheckpoints.load(version)) {
 *   String reply = policy.generate("What is 3+4?", new SamplingConfig(0.7, 0.9, 32), random);
 * }
 * }</pre>
 */
public final class PolicyCheckpoints {

  private PolicyCheckpoints() {}

  /** Loads the checkpoint a {@code PolicyVersion} points to. */
  public static PolicyModel load(PolicyVersion version) throws IOException {
    return load(URI.create(version.getCheckpointUri()), version.getSha256());
  }

  /**
   * Loads and verifies a checkpoint by URI ({@code file://} today).
   *
   * @param expectedSha256 hex sha256 of the whole file, or null to rely on the embedded hash only
   * @throws CorruptCheckpointException when the file does not match
   */
  public static PolicyModel load(URI uri, String expectedSha256) throws IOException {
    return read(uri, expectedSha256).toPolicyModel();
  }

  /** Reads and verifies a checkpoint without building a model. */
  public static Checkpoint read(URI uri, String expectedSha256) throws IOException {
    if (!"file".equals(uri.getScheme())) {
      throw new IllegalArgumentException("no checkpoint store for scheme " + uri.getScheme()
          + " (only file:// is available)");
    }
    Path folder = Path.of(uri).getParent();
    return new LocalCheckpointStore(folder).read(uri, expectedSha256);
  }
}
