package io.streamrlhf.streams.judge;

import io.streamrlhf.avro.JudgeScore;

/**
 * Fails a completion that was cut off at the token limit instead of ending with the end token (score 0), passes
 * every other (score 1): the rule form of TRL's {@code missing_eos_penalty} for online DPO. Without it a rambling
 * rollout that happens to score well on the other judges can be chosen, and the policy learns not to stop.
 */
public final class EndTokenJudge implements Judge {

    /** This judge's id. */
    public static final String ID = "end-token";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public JudgeScore judge(JudgeInput input) {
        return input.truncated()
                ? Judge.fail(ID, 0.0, "cut off at the token limit, no end token")
                : Judge.pass(ID, 1.0);
    }
}
