package io.streamrlhf.config;

import java.util.Collection;
import java.util.Optional;

/** The known key closest to a mistyped one, by edit distance. */
public final class Suggestions {

    private Suggestions() {}

    /**
     * The entry of {@code known} closest to {@code key} (Levenshtein distance on the lower-cased text, with
     * camelCase humps read as dots), if any is within a third of the key's length.
     */
    public static Optional<String> closest(String key, Collection<String> known) {
        String wanted = normalise(key);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : known) {
            int d = distance(wanted, normalise(candidate));
            if (d < bestDistance || (d == bestDistance && best != null && candidate.compareTo(best) < 0)) {
                best = candidate;
                bestDistance = d;
            }
        }
        return best != null && bestDistance <= Math.max(2, key.length() / 3) ? Optional.of(best) : Optional.empty();
    }

    private static String normalise(String key) {
        return key.replaceAll("([a-z0-9])([A-Z])", "$1.$2")
                .replace('_', '.')
                .replace('-', '.')
                .toLowerCase();
    }

    /** Levenshtein distance between {@code a} and {@code b}. */
    static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
