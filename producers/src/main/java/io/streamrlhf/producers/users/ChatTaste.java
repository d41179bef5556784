package io.streamrlhf.producers.users;

import io.streamrlhf.producers.tasks.ChatTask;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Judges a chat completion on three criteria, each pass or fail: format (one line, starts with a capital
 * letter, ends with {@code . ! ?}), politeness (contains one of {@link ChatTask#POLITE_WORDS} as a whole
 * word) and length (within {@code [minChars, maxChars]} after trimming). Approves when all three pass; the
 * score is the fraction passed, so A/B choices prefer the answer that is closer to right.
 *
 * @param minChars shortest acceptable reply
 * @param maxChars longest acceptable reply
 */
public record ChatTaste(int minChars, int maxChars) implements Taste {

    /** Default bounds: 10 to 60 characters. */
    public static final ChatTaste DEFAULT = new ChatTaste(10, 60);

    private static final Pattern POLITE = Pattern.compile(
            ChatTask.POLITE_WORDS.stream().map(Pattern::quote).collect(Collectors.joining("|", "\\b(?:", ")\\b")));

    /** Validates every field; fails fast naming the bad value and the fix. */
    public ChatTaste {
        if (minChars < 1 || maxChars < minChars) {
            throw new IllegalArgumentException("need 1 <= minChars <= maxChars, got " + minChars + ".." + maxChars);
        }
    }

    @Override
    public Verdict judge(String prompt, String completion) {
        String text = completion == null ? "" : completion.strip();
        boolean format = !text.isEmpty()
                && Character.isUpperCase(text.charAt(0))
                && ".!?".indexOf(text.charAt(text.length() - 1)) >= 0
                && text.indexOf('\n') < 0;
        boolean polite = POLITE.matcher(text.toLowerCase(Locale.ROOT)).find();
        boolean length = text.length() >= minChars && text.length() <= maxChars;
        int passed = (format ? 1 : 0) + (polite ? 1 : 0) + (length ? 1 : 0);
        String reason = !format ? "format" : !polite ? "not polite" : !length ? "length " + text.length() : "ok";
        return new Verdict(passed / 3.0, passed == 3, reason);
    }
}
