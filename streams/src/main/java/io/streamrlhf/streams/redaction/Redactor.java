package io.streamrlhf.streams.redaction;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Replaces what looks like personal data in a text with a placeholder naming its kind ({@code [REDACTED_EMAIL]}),
 * kind by kind in a fixed order (cards before phones, whose pattern would otherwise take a card's digit groups), and
 * counts what it replaced. The patterns are configurable; an empty one turns its kind off.
 *
 * <p>The default patterns are deliberately narrow, so that answers made of numbers (arithmetic tasks) are left
 * alone: a phone number needs at least two separators between digit groups, and a card number four groups of
 * digits separated by spaces or dashes. A card number written as one run of digits is not caught by default.
 */
public final class Redactor {

    /** E-mail addresses. */
    // Matching starts only at the start of a run (look-behind) and the local part never backtracks (possessive):
    // a long run of letters without an @ then costs one pass instead of one per start position.
    public static final String DEFAULT_EMAIL =
            "(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]++@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}";
    /** Phone numbers: an optional +country code, then three digit groups with separators. */
    public static final String DEFAULT_PHONE =
            "(?<![\\w+])(?:\\+\\d{1,3}[ .-]?)?(?:\\(\\d{2,5}\\)|\\d{2,5})[ .-]\\d{3,4}[ .-]\\d{3,5}(?!\\w)";
    /** Card numbers: four groups of digits separated by spaces or dashes (13 to 19 digits). */
    public static final String DEFAULT_CARD = "(?<![\\d-])\\d{4}(?:[ -]\\d{4}){2}[ -]\\d{1,7}(?![\\d-])";

    private static final Redactor NONE = new Redactor(Map.of());

    private final Map<String, Pattern> patterns;

    private Redactor(Map<String, Pattern> patterns) {
        this.patterns = patterns;
    }

    /** The default patterns. */
    public static Redactor defaults() {
        return of(DEFAULT_EMAIL, DEFAULT_PHONE, DEFAULT_CARD);
    }

    /** Redacts nothing. */
    public static Redactor none() {
        return NONE;
    }

    /**
     * A redactor with these patterns (Java regular expressions); an empty or null one turns that kind off.
     *
     * @throws IllegalArgumentException naming the setting of a pattern that does not compile
     */
    public static Redactor of(String email, String phone, String card) {
        Map<String, Pattern> patterns = new LinkedHashMap<>();
        put(patterns, "CARD", card, "redaction.card");
        put(patterns, "EMAIL", email, "redaction.email");
        put(patterns, "PHONE", phone, "redaction.phone");
        // A LinkedHashMap, not Map.copyOf: the order of the kinds matters.
        return new Redactor(java.util.Collections.unmodifiableMap(patterns));
    }

    private static void put(Map<String, Pattern> patterns, String kind, String regex, String setting) {
        if (regex == null || regex.isEmpty()) {
            return;
        }
        try {
            patterns.put(kind, Pattern.compile(regex));
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException(setting + " is not a valid regular expression: " + e.getDescription());
        }
    }

    /**
     * What redacting a text gave.
     *
     * @param text the text with every match replaced
     * @param redactions how many matches were replaced
     */
    public record Result(String text, int redactions) {}

    /** {@code text} with every match replaced; {@code null} stays null. */
    public Result apply(String text) {
        if (text == null || patterns.isEmpty()) {
            return new Result(text, 0);
        }
        String current = text;
        int count = 0;
        for (Map.Entry<String, Pattern> e : patterns.entrySet()) {
            Matcher m = e.getValue().matcher(current);
            StringBuilder out = null;
            while (m.find()) {
                if (out == null) {
                    out = new StringBuilder(current.length());
                }
                m.appendReplacement(out, Matcher.quoteReplacement("[REDACTED_" + e.getKey() + "]"));
                count++;
            }
            if (out != null) {
                m.appendTail(out);
                current = out.toString();
            }
        }
        return new Result(current, count);
    }

    /** Whether any kind is on. */
    public boolean enabled() {
        return !patterns.isEmpty();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Redactor r && patternsText().equals(r.patternsText());
    }

    @Override
    public int hashCode() {
        return Objects.hash(patternsText());
    }

    @Override
    public String toString() {
        return "Redactor" + patternsText();
    }

    private Map<String, String> patternsText() {
        Map<String, String> text = new LinkedHashMap<>();
        patterns.forEach((k, p) -> text.put(k, p.pattern()));
        return text;
    }
}
