package io.streamrlhf.streams.dpo;

import io.streamrlhf.streams.avro.DerivedResponse;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Which responses to one prompt pair up from opposite thumbs. A response's polarity is the sign of (up labels minus
 * down labels) over its counted labels; a response that just changed pairs with every response of the opposite
 * polarity, the up side chosen, oldest partner first (then by response id), each unordered pair at most once, until
 * the per-prompt cap is reached. A match of two responses with the same completion ({@link DpoPairs#identical}) is
 * returned marked {@link Match#identical()}, to be counted and not emitted, and does not count toward the cap.
 */
public final class DerivedPairRules {

    /**
     * A pair to emit.
     *
     * @param chosen the up-voted response
     * @param rejected the down-voted response
     */
    public record Match(DerivedResponse chosen, DerivedResponse rejected) {

        /** Whether both sides are the same completion (same text, both ended or both cut off). */
        public boolean identical() {
            return DpoPairs.identical(side(chosen), side(rejected));
        }

        private static DpoPairs.Side side(DerivedResponse r) {
            return new DpoPairs.Side(r.getResponseId(), r.getCompletion(), r.getPolicyVersion(), r.getTruncated());
        }
    }

    private DerivedPairRules() {}

    /** +1, -1 or 0. */
    public static int polarity(DerivedResponse r) {
        long ups = r.getLabels().values().stream().filter(Boolean::booleanValue).count();
        long downs = r.getLabels().size() - ups;
        return Long.signum(ups - downs);
    }

    /**
     * The new pairs that {@code changed} forms with the other responses.
     *
     * @param alreadyEmitted the ids of pairs emitted (or skipped as identical) so far; matched pairs are not repeated
     * @param pairId how a (chosen, rejected) pair is named
     * @param remaining how many more pairs the prompt may still emit
     */
    public static List<Match> matches(
            DerivedResponse changed,
            List<DerivedResponse> all,
            List<String> alreadyEmitted,
            java.util.function.BinaryOperator<String> pairId,
            int remaining) {
        int p = polarity(changed);
        List<Match> out = new ArrayList<>();
        int counted = 0;
        if (p == 0 || remaining <= 0) {
            return out;
        }
        List<DerivedResponse> partners = all.stream()
                .filter(o -> !o.getResponseId().equals(changed.getResponseId()) && polarity(o) == -p)
                .sorted(Comparator.comparingLong(DerivedResponse::getLastTime)
                        .thenComparing(DerivedResponse::getResponseId))
                .toList();
        for (DerivedResponse o : partners) {
            if (counted >= remaining) {
                break;
            }
            DerivedResponse chosen = p > 0 ? changed : o;
            DerivedResponse rejected = p > 0 ? o : changed;
            String id = pairId.apply(chosen.getResponseId(), rejected.getResponseId());
            String reverse = pairId.apply(rejected.getResponseId(), chosen.getResponseId());
            if (!alreadyEmitted.contains(id) && !alreadyEmitted.contains(reverse)) {
                Match m = new Match(chosen, rejected);
                out.add(m);
                if (!m.identical()) {
                    counted++;
                }
            }
        }
        return out;
    }
}
