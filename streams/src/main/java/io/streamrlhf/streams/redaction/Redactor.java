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
    /** The kinds in their order, each with what a text needs before its pattern can match at all. */
    private final Kind[] kinds;

    /**
     * One kind of personal data: its pattern, its placeholder, and a necessary condition on the text that one scan
     * over its characters checks, so that a text that cannot hold a match never reaches the regular expression
     * (which runs its look-behind at every position: most of what redaction cost). Known only for the default
     * patterns; a configured pattern always runs.
     *
     * @param minDigits the fewest ASCII digits a match contains ({@code \d} is {@code [0-9]} without the
     *     {@code UNICODE_CHARACTER_CLASS} flag)
     * @param needsAt whether a match contains {@code @}
     */
    private record Kind(String name, Pattern pattern, String replacement, int minDigits, boolean needsAt) {}

    private Redactor(Map<String, Pattern> patterns) {
        this.patterns = patterns;
        this.kinds = patterns.entrySet().stream()
                .map(e -> kind(e.getKey(), e.getValue()))
                .toArray(Kind[]::new);
    }

    private static Kind kind(String name, Pattern pattern) {
        String regex = pattern.pattern();
        int minDigits = 0;
        boolean needsAt = false;
        if (regex.equals(DEFAULT_CARD)) {
            minDigits = 13; // four groups: 4 + 4 + 4 + at least 1
        } else if (regex.equals(DEFAULT_PHONE)) {
            minDigits = 8; // three groups: at least 2 + 3 + 3
        } else if (regex.equals(DEFAULT_EMAIL)) {
            needsAt = true;
        }
        return new Kind(name, pattern, Matcher.quoteReplacement("[REDACTED_" + name + "]"), minDigits, needsAt);
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
        if (text == null || kinds.length == 0) {
            return new Result(text, 0);
        }
        // Counted once on the original text: a placeholder holds no digit and no @, so what a replacement leaves
        // never has more of either, and a kind the original cannot match, the replaced text cannot match either.
        int digits = 0;
        boolean at = false;
        for (int i = 0, n = text.length(); i < n; i++) {
            char c = text.charAt(i);
            if (c >= '0' && c <= '9') {
                digits++;
            } else if (c == '@') {
                at = true;
            }
        }
        String current = text;
        int count = 0;
        for (Kind kind : kinds) {
            if (digits < kind.minDigits() || (kind.needsAt() && !at)) {
                continue;
            }
            Matcher m = kind.pattern().matcher(current);
            StringBuilder out = null;
            while (m.find()) {
                if (out == null) {
                    out = new StringBuilder(current.length());
                }
                m.appendReplacement(out, kind.replacement());
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
