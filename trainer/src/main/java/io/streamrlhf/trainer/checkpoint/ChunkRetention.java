package io.streamrlhf.trainer.checkpoint;

import java.util.ArrayList;
import java.util.List;
import java.util.NavigableSet;
import java.util.Set;

/**
 * The kafka checkpoint store's retention rule: a version's chunks are kept while it is version 0 (the warm start,
 * which the trainer resumes its reference from), one of the {@code keepLast} newest versions, or promoted by the
 * canary controller; every other version is dropped. With the canary controller off there are no decisions: every
 * version is served the moment it is published, and the newest one, which samplers serve, is always among the last N.
 */
public final class ChunkRetention {

    private ChunkRetention() {}

    /**
     * The versions of {@code stored} to delete, oldest first.
     *
     * @param stored every version with chunks in the topic, the one being published included
     * @param promoted versions with a {@code PROMOTED} decision
     * @param keepLast how many newest versions to keep (at least 1)
     */
    public static List<Long> dropped(NavigableSet<Long> stored, Set<Long> promoted, int keepLast) {
        if (keepLast < 1) {
            throw new IllegalArgumentException("keepLast must be >= 1, was " + keepLast);
        }
        List<Long> dropped = new ArrayList<>();
        int fromNewest = stored.size();
        for (long version : stored) {
            fromNewest--;
            if (version != 0 && fromNewest >= keepLast && !promoted.contains(version)) {
                dropped.add(version);
            }
        }
        return dropped;
    }
}
