package io.streamrlhf.trainer.model;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import io.streamrlhf.trainer.batch.SequenceCollator.Sample;
import io.streamrlhf.trainer.batch.TokenBatch;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The frozen reference policy with a cache of its completion log-probs: each (key, prompt, completion) is scored
 * once, then served from memory. For the byte-level model it is a frozen copy of the starting version; for a
 * Hugging Face model trained through LoRA it is the same base model with its adapters switched off (no copy).
 *
 * <p>Cache keys combine the caller's key (example id and role) with a hash of the text, so a
 * correction that reuses an id with new text is scored afresh. The cache is LRU-bounded.
 */
public final class ReferenceModel implements AutoCloseable {

    private final TrainableModel frozen;
    private final Map<String, Float> cache;
    private long hits;
    private long misses;

    /** Wraps a frozen model (takes ownership) with an LRU cache of {@code maxEntries}. */
    public ReferenceModel(TrainableModel frozen, int maxEntries) {
        this.frozen = frozen;
        this.cache = new LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Float> eldest) {
                return size() > maxEntries;
            }
        };
    }

    /**
     * A keyed request: {@code key} should identify the example and its role (chosen, rejected);
     * {@code ended} is false for a completion cut off at the token limit (scored without EOS).
     */
    public record Request(String key, String prompt, String completion, boolean ended) {

        /** A request for a completion that ended with the end token. */
        public Request(String key, String prompt, String completion) {
            this(key, prompt, completion, true);
        }

        String cacheKey() {
            return key + "#" + Integer.toHexString(prompt.hashCode()) + ":"
                    + Integer.toHexString(completion.hashCode()) + ":" + completion.length()
                    + (ended ? "" : ":cut");
        }
    }

    /** Summed completion log-probs under the reference, in request order. */
    public float[] logps(List<Request> requests) {
        float[] out = new float[requests.size()];
        List<Integer> missing = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            Float cached = cache.get(requests.get(i).cacheKey());
            if (cached == null) {
                missing.add(i);
            } else {
                out[i] = cached;
                hits++;
            }
        }
        if (!missing.isEmpty()) {
            List<Sample> samples = new ArrayList<>(missing.size());
            for (int i : missing) {
                Request r = requests.get(i);
                samples.add(new Sample(r.prompt(), r.completion(), r.ended()));
            }
            float[] computed;
            try (NDManager scope = frozen.manager().newSubManager();
                    NDScope ignored = new NDScope()) {
                computed = frozen.completionLogps(scope, samples, false).sums().toFloatArray();
            }
            for (int j = 0; j < missing.size(); j++) {
                int i = missing.get(j);
                out[i] = computed[j];
                cache.put(requests.get(i).cacheKey(), computed[j]);
                misses++;
            }
        }
        return out;
    }

    /**
     * The reference's masked per-token completion log-probs for an already collated batch, row-major
     * {@code (rows × length)}, computed afresh (online, each example is trained on once).
     */
    public float[] tokenLogps(TokenBatch batch) {
        try (NDManager scope = frozen.manager().newSubManager();
                NDScope ignored = new NDScope()) {
            return frozen.completionLogps(scope, batch, false).tokens().toFloatArray();
        }
    }

    /** Requests answered from the cache. */
    public long hits() {
        return hits;
    }

    /** Requests computed by the frozen model. */
    public long misses() {
        return misses;
    }

    /** The frozen model. */
    public TrainableModel model() {
        return frozen;
    }

    @Override
    public void close() {
        frozen.close();
    }
}
