package io.streamrlhf.streams.canary;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A seeded simulation of a canary: each step one rollout goes to the canary (half the traffic) or the parent, gets
 * one thumbs vote and a verdict from every judge, and the test is evaluated after every step (the most frequent
 * peeking there can be).
 */
final class CanarySimulation {

    /** The true rates of one arm: thumbs-up probability and each judge's failure probability, in judge order. */
    record Arm(double thumbsUp, double... judgeFailure) {}

    /** How a run ended: the outcome and after how many steps (observations of both arms together). */
    record Run(CanaryOutcome outcome, long steps) {}

    private CanarySimulation() {}

    static Run run(SequentialCanaryTest test, List<String> judges, Arm canary, Arm parent, long seed, long maxSteps) {
        SplittableRandom random = new SplittableRandom(seed);
        int metrics = 1 + judges.size();
        // hits and trials per metric: [canary hits, canary trials, parent hits, parent trials]
        long[][] c = new long[metrics][4];
        for (long step = 1; step <= maxSteps; step++) {
            boolean toCanary = random.nextBoolean();
            Arm arm = toCanary ? canary : parent;
            int base = toCanary ? 0 : 2;
            for (int m = 0; m < metrics; m++) {
                double p = m == 0 ? arm.thumbsUp() : arm.judgeFailure()[m - 1];
                c[m][base] += random.nextDouble() < p ? 1 : 0;
                c[m][base + 1]++;
            }
            Map<String, ArmCounts> counts = new HashMap<>();
            for (int m = 0; m < metrics; m++) {
                String name =
                        m == 0 ? SequentialCanaryTest.THUMBS_UP : SequentialCanaryTest.JUDGE_PREFIX + judges.get(m - 1);
                counts.put(name, new ArmCounts(c[m][0], c[m][1], c[m][2], c[m][3]));
            }
            CanaryEvaluation e = test.evaluate(counts, Duration.ofSeconds(step));
            if (e.decided()) {
                return new Run(e.outcome(), step);
            }
        }
        return new Run(CanaryOutcome.CONTINUE, maxSteps);
    }
}
