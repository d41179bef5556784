package io.streamrlhf.producers.gateway;

import java.util.Map;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;

/**
 * The policy versions published so far, per model id, as the gateway's {@link VersionTail} read them from the
 * policy-versions topic. A response may claim only one of these: a version never published, or one from the
 * future, would otherwise read as a fresh policy downstream (a huge number looks like zero lag).
 */
final class PublishedVersions {

    private final Map<String, NavigableSet<Long>> versions = new ConcurrentHashMap<>();
    private volatile boolean caughtUp;

    /** Records that {@code modelId} published {@code version}. */
    void publish(String modelId, long version) {
        versions.computeIfAbsent(modelId, m -> new ConcurrentSkipListSet<>()).add(version);
    }

    /** Marks the moment the reader reached the end of the topic as it stood at start. */
    void markCaughtUp() {
        caughtUp = true;
    }

    /** Whether the versions published before the gateway started are all known. */
    boolean caughtUp() {
        return caughtUp;
    }

    /** Why {@code version} of {@code modelId} may not be claimed, or empty when it was published. */
    Optional<String> refusal(String modelId, long version) {
        NavigableSet<Long> known = versions.get(modelId);
        if (known != null && known.contains(version)) {
            return Optional.empty();
        }
        if (!caughtUp) {
            return Optional.of("the gateway is still reading the published policy versions; retry in a moment");
        }
        if (known == null || known.isEmpty()) {
            return Optional.of("model '" + modelId + "' has published no policy version");
        }
        return Optional.of("policyVersion " + version + " of model '" + modelId + "' was never published (latest is "
                + known.last() + ")");
    }
}
