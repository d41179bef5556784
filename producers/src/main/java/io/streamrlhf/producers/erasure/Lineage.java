package io.streamrlhf.producers.erasure;

import io.streamrlhf.avro.OffsetRange;
import io.streamrlhf.avro.PolicyVersion;
import io.streamrlhf.avro.VersionRef;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The lineage of every committed policy version, indexed by topic-partition: which versions absorbed a given
 * example offset. Built from the policy-versions topic as read with {@code read_committed}, so a version whose
 * publishing transaction aborted is not in it.
 */
public final class Lineage {

    /** Orders version references by model id, then version. */
    public static final Comparator<VersionRef> ORDER =
            Comparator.comparing(VersionRef::getModelId).thenComparingLong(VersionRef::getVersion);

    private record Holder(VersionRef version, long from, long to) {}

    private final Map<String, List<Holder>> byPartition = new HashMap<>();

    private Lineage() {}

    /** The lineage of {@code versions} (a version published twice counts once). */
    public static Lineage of(List<PolicyVersion> versions) {
        Lineage lineage = new Lineage();
        for (PolicyVersion v : versions) {
            VersionRef ref = new VersionRef(v.getModelId(), v.getVersion());
            for (OffsetRange r : v.getLineage()) {
                lineage.byPartition
                        .computeIfAbsent(key(r.getTopic(), r.getPartition()), k -> new ArrayList<>())
                        .add(new Holder(ref, r.getFromOffset(), r.getToOffset()));
            }
        }
        return lineage;
    }

    /** The versions whose lineage holds {@code offset} of {@code topic}-{@code partition}, in {@link #ORDER}. */
    public List<VersionRef> holding(String topic, int partition, long offset) {
        TreeSet<VersionRef> out = new TreeSet<>(ORDER);
        for (Holder h : byPartition.getOrDefault(key(topic, partition), List.of())) {
            if (offset >= h.from() && offset <= h.to()) {
                out.add(h.version());
            }
        }
        return List.copyOf(out);
    }

    private static String key(String topic, int partition) {
        return topic + '\u0000' + partition;
    }
}
