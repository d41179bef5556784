package io.streamrlhf.trainer.canary;

import java.util.Map;

/**
 * The judges the gate asks about each greedy completion. The trainer does not see the streams module, where the
 * rule-based (CGPO) judges live; the application that starts the trainer passes them in through this interface,
 * configured by the same {@code judge.*} settings as the streams application's.
 */
@FunctionalInterface
public interface GateJudges {

    /**
     * Each applicable judge's verdict on one completion, by judge id (true: passed); judges that do not apply are
     * left out and count as passed.
     *
     * @param truncated whether generation stopped at the token limit without an end token
     */
    Map<String, Boolean> judge(GatePrompt prompt, String completion, boolean truncated);
}
