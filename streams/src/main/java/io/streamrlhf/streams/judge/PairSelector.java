package io.streamrlhf.streams.judge;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Picks chosen and rejected among one group's judged rollouts.
 *
 * <ul>
 *   <li><b>Chosen</b> (Meta-Rewarding length control): among rollouts that pass every judge, with {@code best} the
 *       highest score among those and {@code worst} the lowest score in the whole group, the candidates are those
 *       with {@code score >= (1-rho)*best + rho*worst}; chosen is the shortest candidate. Ties: higher score, then
 *       smaller response id.</li>
 *   <li><b>Rejected</b> (CODPO): among the other rollouts whose completion differs from the chosen one's, those
 *       that fail a judge if any do, else all of them; the lowest-scoring one. Ties: longer completion, then smaller
 *       response id.</li>
 *   <li>No passing rollout: no pair ({@link Outcome#NO_PASSING}); fewer than two rollouts: no pair
 *       ({@link Outcome#TOO_FEW}).</li>
 *   <li>Every other rollout has the chosen one's completion (same text, both ended or both cut off): no pair
 *       ({@link Outcome#IDENTICAL}). Such a pair has a margin of exactly 0 and no gradient; a policy that answers a
 *       prompt the same way every time makes such groups.</li>
 *   <li>The rejected rollout passes every judge with the chosen one's score: no pair ({@link Outcome#TIED}). The
 *       judges found the two equally good, so the pair would only say "shorter", which length control is meant to
 *       break ties with, not to teach on its own. With {@code rho = 0} this is the group in which every rollout
 *       passes with the same score. Only with {@code pairTies} off ({@code dpo.pair.ties=false}); by default such a
 *       group makes its pair as the other groups do.</li>
 * </ul>
 */
public final class PairSelector {

    /** What selection concluded. */
    public enum Outcome {
        /** A pair was selected. */
        PAIR,
        /** No rollout passed every judge. */
        NO_PASSING,
        /** Fewer than two rollouts. */
        TOO_FEW,
        /** Every other rollout has the chosen one's completion. */
        IDENTICAL,
        /** The rejected rollout passes every judge with the chosen one's score. */
        TIED
    }

    /**
     * The result of selection.
     *
     * @param outcome what happened
     * @param chosen the chosen rollout when a pair was selected (also when it was skipped as identical or tied)
     * @param rejected the rejected rollout when a pair was selected (also when it was skipped as tied)
     */
    public record Selection(Outcome outcome, Optional<ScoredRollout> chosen, Optional<ScoredRollout> rejected) {}

    private static final double EPSILON = 1e-9;
    private final double rho;
    private final boolean pairTies;

    /** A selector that pairs tied groups on length (see {@link #PairSelector(double, boolean)}). */
    public PairSelector(double rho) {
        this(rho, true);
    }

    /**
     * @param rho the length-control slack in [0, 1]
     * @param pairTies whether a tied group still makes a pair (chosen the shorter rollout) rather than
     *     {@link Outcome#TIED}
     */
    public PairSelector(double rho, boolean pairTies) {
        if (!(rho >= 0 && rho <= 1)) {
            throw new IllegalArgumentException("rho must be within [0, 1], got " + rho);
        }
        this.rho = rho;
        this.pairTies = pairTies;
    }

    /** Selects a pair among {@code rollouts}. */
    public Selection select(List<ScoredRollout> rollouts) {
        List<ScoredRollout> passing =
                rollouts.stream().filter(ScoredRollout::passedAll).toList();
        if (passing.isEmpty()) {
            return new Selection(Outcome.NO_PASSING, Optional.empty(), Optional.empty());
        }
        if (rollouts.size() < 2) {
            return new Selection(Outcome.TOO_FEW, Optional.empty(), Optional.empty());
        }
        double best = passing.stream().mapToDouble(ScoredRollout::score).max().orElseThrow();
        double worst = rollouts.stream().mapToDouble(ScoredRollout::score).min().orElseThrow();
        double threshold = (1 - rho) * best + rho * worst;
        ScoredRollout chosen = passing.stream()
                .filter(r -> r.score() >= threshold - EPSILON)
                .min(Comparator.comparingInt(ScoredRollout::length)
                        .thenComparing(
                                Comparator.comparingDouble(ScoredRollout::score).reversed())
                        .thenComparing(ScoredRollout::responseId))
                .orElseThrow();
        List<ScoredRollout> others = rollouts.stream()
                .filter(r -> r != chosen && !r.sameCompletionAs(chosen))
                .toList();
        if (others.isEmpty()) {
            return new Selection(Outcome.IDENTICAL, Optional.of(chosen), Optional.empty());
        }
        List<ScoredRollout> failing =
                others.stream().filter(r -> !r.passedAll()).toList();
        ScoredRollout rejected = (failing.isEmpty() ? others : failing)
                .stream()
                        .min(Comparator.comparingDouble(ScoredRollout::score)
                                .thenComparing(Comparator.comparingInt(ScoredRollout::length)
                                        .reversed())
                                .thenComparing(ScoredRollout::responseId))
                        .orElseThrow();
        if (!pairTies && rejected.passedAll() && Math.abs(rejected.score() - chosen.score()) <= EPSILON) {
            return new Selection(Outcome.TIED, Optional.of(chosen), Optional.of(rejected));
        }
        return new Selection(Outcome.PAIR, Optional.of(chosen), Optional.of(rejected));
    }
}
