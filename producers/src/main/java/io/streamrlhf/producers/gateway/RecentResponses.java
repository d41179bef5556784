package io.streamrlhf.producers.gateway;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A bounded memory of the response ids recently recorded through the gateway and the prompt each answers,
 * least recently used forgotten first. Lets the gateway reject feedback for responses it never saw.
 */
public final class RecentResponses {

    private final Map<String, String> promptByResponse;

    /** Remembers up to {@code capacity} response ids. */
    public RecentResponses(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1, was " + capacity);
        }
        this.promptByResponse = new LinkedHashMap<>(Math.min(capacity, 1024), 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
                return size() > capacity;
            }
        };
    }

    /** Remembers that {@code responseId} answers {@code promptId}. */
    public synchronized void remember(String responseId, String promptId) {
        promptByResponse.put(responseId, promptId);
    }

    /** The prompt id of a remembered response. */
    public synchronized Optional<String> promptOf(String responseId) {
        return Optional.ofNullable(promptByResponse.get(responseId));
    }

    /** How many ids are remembered. */
    public synchronized int size() {
        return promptByResponse.size();
    }
}
