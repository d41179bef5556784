package io.streamrlhf.streams.config;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Settings of the rule-based judges.
 *
 * @param minLength a completion shorter than this (characters) fails {@code length-bounds}.
 *                  Property {@code judge.minLength}, default 1
 * @param maxLength a completion longer than this fails {@code length-bounds}. Property {@code judge.maxLength},
 *                  default 2000
 * @param bannedPhrases case-insensitive phrases that fail {@code banned-phrases}. Property
 *                      {@code judge.bannedPhrases}, {@code |}-separated, default
 *                      {@code as an ai language model|i cannot help with that}
 * @param formatByTask per task, a regex the whole completion must match ({@code format}). Properties
 *                     {@code judge.format.<task>=<regex>}, default none
 * @param exactAnswer whether {@code exact-answer} judges tasks whose prompt has a reference answer. Property
 *                    {@code judge.exactAnswer}, default true
 * @param requireEndToken whether {@code end-token} fails completions cut off at the token limit (TRL's
 *                        {@code missing_eos_penalty} as a rule). Property {@code judge.requireEndToken}, default true
 */
public record JudgeConfig(int minLength, int maxLength, List<String> bannedPhrases, Map<String, Pattern> formatByTask,
                          boolean exactAnswer, boolean requireEndToken) {

    public JudgeConfig {
        if (minLength < 0 || maxLength < minLength) {
            throw new IllegalArgumentException("judge.minLength (" + minLength + ") and judge.maxLength (" + maxLength
                    + ") must satisfy 0 <= min <= max");
        }
        bannedPhrases = bannedPhrases.stream().map(s -> s.trim().toLowerCase(Locale.ROOT))
                .filter(s -> !s.isEmpty()).toList();
        formatByTask = Map.copyOf(formatByTask);
    }

    /** The documented defaults. */
    public static JudgeConfig defaults() {
        return new JudgeConfig(1, 2000, List.of("as an ai language model", "i cannot help with that"), Map.of(), true,
                true);
    }

    /** The defaults overridden by {@code judge.*} keys. */
    public static JudgeConfig fromProperties(Map<String, String> properties) {
        Props p = new Props(properties);
        JudgeConfig d = defaults();
        String banned = p.string("judge.bannedPhrases", null);
        Map<String, Pattern> formats = new TreeMap<>();
        p.withPrefix("judge.format.").forEach((task, regex) -> {
            try {
                formats.put(task, Pattern.compile(regex, Pattern.DOTALL));
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("Property judge.format." + task + " is not a valid regex: "
                        + e.getDescription(), e);
            }
        });
        return new JudgeConfig(p.integer("judge.minLength", d.minLength), p.integer("judge.maxLength", d.maxLength),
                banned == null ? d.bannedPhrases : Arrays.asList(banned.split("\\|")), formats,
                p.bool("judge.exactAnswer", d.exactAnswer), p.bool("judge.requireEndToken", d.requireEndToken));
    }
}
