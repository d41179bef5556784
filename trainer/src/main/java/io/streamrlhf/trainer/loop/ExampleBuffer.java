package io.streamrlhf.trainer.loop;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Examples of one source waiting for a micro-batch, keyed by example id so a correction can replace
 * or cancel an emission that has not been trained yet.
 *
 * @param <E> example type
 */
public final class ExampleBuffer<E> {

    /** What {@link #offer} did. */
    public enum Outcome {
        /** Added as a new example. */
        ADDED,
        /** Replaced a pending example with the same id. */
        REPLACED,
        /** Removed a pending example with the same id (weight 0). */
        CANCELLED,
        /** A weight-0 cancellation for an id already trained: gradients cannot be undone. */
        CANCELLED_LATE,
        /** A weight-0 record for an id never seen: nothing to do. */
        IGNORED
    }

    private final Function<E, String> id;
    private final LinkedHashMap<String, E> pending = new LinkedHashMap<>();
    private final LinkedHashSet<String> recentlyTrained = new LinkedHashSet<>();
    private final int rememberTrained;

    /** A buffer keyed by {@code id}, remembering the last {@code rememberTrained} trained ids. */
    public ExampleBuffer(Function<E, String> id, int rememberTrained) {
        this.id = id;
        this.rememberTrained = rememberTrained;
    }

    /**
     * Adds an example, or with {@code cancel} removes the pending one with its id. A later example
     * with an id already pending replaces it (the newest label wins).
     */
    public Outcome offer(E example, boolean cancel) {
        String key = id.apply(example);
        if (cancel) {
            if (pending.remove(key) != null) {
                return Outcome.CANCELLED;
            }
            return recentlyTrained.contains(key) ? Outcome.CANCELLED_LATE : Outcome.IGNORED;
        }
        E previous = pending.remove(key);
        pending.put(key, example);
        return previous == null ? Outcome.ADDED : Outcome.REPLACED;
    }

    /** Number of pending examples. */
    public int size() {
        return pending.size();
    }

    /** Removes and returns up to {@code n} of the oldest pending examples. */
    public List<E> take(int n) {
        List<E> out = new ArrayList<>(Math.min(n, pending.size()));
        var it = pending.entrySet().iterator();
        while (it.hasNext() && out.size() < n) {
            Map.Entry<String, E> e = it.next();
            out.add(e.getValue());
            it.remove();
            recentlyTrained.add(e.getKey());
            if (recentlyTrained.size() > rememberTrained) {
                recentlyTrained.remove(recentlyTrained.iterator().next());
            }
        }
        return out;
    }
}
