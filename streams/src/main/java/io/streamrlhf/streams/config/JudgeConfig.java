package io.streamrlhf.streams.config;

import io.streamrlhf.config.ConfigException;
import io.streamrlhf.config.Settings;
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
 *                  Property {@code judge.min.length}, default 1
 * @param maxLength a completion longer than this fails {@code length-bounds}. Property {@code judge.max.length},
 *                  default 2000
 * @param bannedPhrases case-insensitive phrases that fail {@code banned-phrases}. Property
 *                      {@code judge.banned.phrases}, {@code |}-separated, default
 *                      {@code as an ai language model|i cannot help with that}
 * @param formatByTask per task, a regex the whole completion must match ({@code format}). Properties
 *                     {@code judge.format.<task>=<regex>}, default none
 * @param exactAnswer whether {@code exact-answer} judges tasks whose prompt has a reference answer. Property
 *                    {@code judge.exact.answer}, default true
 * @param requireEndToken whether {@code end-token} fails completions cut off at the token limit (TRL's
 *                        {@code missing_eos_penalty} as a rule). Property {@code judge.require.end.token}, default true
 */
public record JudgeConfig(
        int minLength,
        int maxLength,
        List<String> bannedPhrases,
        Map<String, Pattern> formatByTask,
        boolean exactAnswer,
        boolean requireEndToken) {

    public JudgeConfig {
        if (minLength < 0 || maxLength < minLength) {
            throw new IllegalArgumentException("judge.min.length (" + minLength + ") and judge.max.length (" + maxLength
                    + ") must satisfy 0 <= min <= max");
        }
        bannedPhrases = bannedPhrases.stream()
                .map(s -> s.trim().toLowerCase(Locale.ROOT))
                .filter(s -> !s.isEmpty())
                .toList();
        formatByTask = Map.copyOf(formatByTask);
    }

    /** The documented defaults. */
    public static JudgeConfig defaults() {
        return new JudgeConfig(
                1, 2000, List.of("as an ai language model", "i cannot help with that"), Map.of(), true, true);
    }

    /** The defaults overridden by {@code judge.*} keys. */
    public static JudgeConfig fromProperties(Map<String, String> properties) {
        Map<String, Pattern> formats = new TreeMap<>();
        Settings.withPrefix(properties, StreamsKeys.JUDGE_FORMAT.prefix()).forEach((task, regex) -> {
            try {
                formats.put(task, Pattern.compile(regex, Pattern.DOTALL));
            } catch (PatternSyntaxException e) {
                throw ConfigException.badValue(
                        StreamsKeys.JUDGE_FORMAT.prefix() + task,
                        regex,
                        "a regular expression (" + e.getDescription() + ")");
            }
        });
        return new JudgeConfig(
                StreamsKeys.JUDGE_MIN_LENGTH.get(properties),
                StreamsKeys.JUDGE_MAX_LENGTH.get(properties),
                Arrays.asList(StreamsKeys.JUDGE_BANNED_PHRASES.get(properties).split("\\|")),
                formats,
                StreamsKeys.JUDGE_EXACT_ANSWER.get(properties),
                StreamsKeys.JUDGE_REQUIRE_END_TOKEN.get(properties));
    }
}
