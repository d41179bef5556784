package io.streamrlhf.streams.judge;

import io.streamrlhf.avro.JudgeScore;
import java.util.Map;
import java.util.regex.Pattern;

/** For tasks with a configured format, passes completions that (trimmed) match the whole regex. Score 1 or 0. */
public final class FormatJudge implements Judge {

    /** This judge's id. */
    public static final String ID = "format";

    private final Map<String, Pattern> formatByTask;

    public FormatJudge(Map<String, Pattern> formatByTask) {
        this.formatByTask = Map.copyOf(formatByTask);
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public boolean appliesTo(JudgeInput input) {
        return input.task() != null && formatByTask.containsKey(input.task());
    }

    @Override
    public JudgeScore judge(JudgeInput input) {
        Pattern p = formatByTask.get(input.task());
        return p.matcher(input.completion().strip()).matches()
                ? Judge.pass(ID, 1.0)
                : Judge.fail(ID, 0.0, "does not match " + p.pattern());
    }
}
