package io.streamrlhf.streams.dpo;

import io.streamrlhf.avro.DpoPair;
import io.streamrlhf.avro.JudgeVerdict;

/**
 * What judging a rollout group emits: a verdict per rollout and at most one pair. Stays inside the process; exactly
 * one field is set.
 *
 * @param verdict a verdict, keyed by response id
 * @param pair a pair, keyed by pair id
 */
public record JudgeOutcome(JudgeVerdict verdict, DpoPair pair) {

    public static JudgeOutcome of(JudgeVerdict verdict) {
        return new JudgeOutcome(verdict, null);
    }

    public static JudgeOutcome of(DpoPair pair) {
        return new JudgeOutcome(null, pair);
    }
}
