package io.streamrlhf.config;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One documented key: its name, type, default, meaning and validation. A module lists its keys in one place
 * and reads them only through these, so the same text is parsed the same way everywhere and
 * {@code docs/configuration.md} is generated from the same definitions.
 *
 * @param <T> the value type
 */
public final class Setting<T> {

    /** Parses the text of a setting, naming {@code key} in any error. */
    @FunctionalInterface
    public interface Parser<T> {
        /** The value of {@code text}; throws {@link ConfigException} when it is not one. */
        T parse(String key, String text);
    }

    /** Marks a default text that describes rather than states the default. */
    private static final String DESCRIBED = "\u0000";

    private final String name;
    private final String type;
    private final Parser<T> parser;
    private final T defaultValue;
    private final String defaultText;
    private final String doc;
    private final boolean secret;
    private final Predicate<T> valid;
    private final String requirement;
    private final boolean open;

    private Setting(
            String name,
            String type,
            Parser<T> parser,
            T defaultValue,
            String defaultText,
            String doc,
            boolean secret,
            Predicate<T> valid,
            String requirement) {
        this(name, type, parser, defaultValue, defaultText, doc, secret, valid, requirement, false);
    }

    private Setting(
            String name,
            String type,
            Parser<T> parser,
            T defaultValue,
            String defaultText,
            String doc,
            boolean secret,
            Predicate<T> valid,
            String requirement,
            boolean open) {
        if (!name.matches("[a-z0-9]+(\\.[a-z0-9]+)*")) {
            throw new IllegalArgumentException("Setting names are dotted lower case, got " + name);
        }
        this.name = name;
        this.type = type;
        this.parser = parser;
        this.defaultValue = defaultValue;
        this.defaultText = defaultText;
        this.doc = Objects.requireNonNull(doc, "doc");
        this.secret = secret;
        this.valid = valid;
        this.requirement = requirement;
        this.open = open;
    }

    private static <T> Setting<T> of(
            String name, String type, Parser<T> parser, T defaultValue, String doc, Function<T, String> format) {
        return new Setting<>(
                name,
                type,
                parser,
                defaultValue,
                defaultValue == null ? "" : format.apply(defaultValue),
                doc,
                false,
                v -> true,
                null);
    }

    /** A text setting; {@code defaultValue} null means none. */
    public static Setting<String> string(String name, String defaultValue, String doc) {
        return of(name, "string", (k, t) -> t.trim(), defaultValue, doc, String::valueOf);
    }

    /** An {@code int} setting. */
    public static Setting<Integer> integer(String name, Integer defaultValue, String doc) {
        return of(name, "int", Parsers::integer, defaultValue, doc, String::valueOf);
    }

    /** A {@code long} setting. */
    public static Setting<Long> longValue(String name, Long defaultValue, String doc) {
        return of(name, "long", Parsers::longValue, defaultValue, doc, String::valueOf);
    }

    /** A {@code double} setting. */
    public static Setting<Double> decimal(String name, Double defaultValue, String doc) {
        return of(name, "double", Parsers::decimal, defaultValue, doc, String::valueOf);
    }

    /** A {@code true}/{@code false} setting. */
    public static Setting<Boolean> bool(String name, Boolean defaultValue, String doc) {
        return of(name, "boolean", Parsers::bool, defaultValue, doc, String::valueOf);
    }

    /** A duration setting ({@code 30s}, {@code 5m}, {@code PT30S}). */
    public static Setting<Duration> duration(String name, Duration defaultValue, String doc) {
        return of(name, "duration", Parsers::duration, defaultValue, doc, Parsers::format);
    }

    /** An enum setting, by constant name. */
    public static <E extends Enum<E>> Setting<E> enumeration(String name, Class<E> type, E defaultValue, String doc) {
        return of(name, type.getSimpleName(), (k, t) -> Parsers.enumeration(k, t, type), defaultValue, doc, Enum::name);
    }

    /**
     * A family of text settings {@code <name>.<anything>} (for example {@code judge.format.<task>}); read them
     * with {@link Settings#withPrefix(Map, String)} and {@link #prefix()}.
     */
    public static Setting<String> family(String name, String doc) {
        return new Setting<>(name, "string", (k, t) -> t.trim(), null, "", doc, false, v -> true, null, true);
    }

    /** This setting with a default that is described rather than a literal (for example "the model id"). */
    public Setting<T> describedDefault(String text) {
        return new Setting<>(name, type, parser, defaultValue, DESCRIBED + text, doc, secret, valid, requirement, open);
    }

    /** This setting marked secret: masked wherever it is printed. */
    public Setting<T> secret() {
        return new Setting<>(name, type, parser, defaultValue, defaultText, doc, true, valid, requirement, open);
    }

    /** This setting with a check on the parsed value; {@code requirement} reads "must be ...". */
    public Setting<T> requiring(Predicate<T> check, String requirement) {
        return new Setting<>(
                name, type, parser, defaultValue, defaultText, doc, secret, this.valid.and(check), requirement, open);
    }

    /** The value in {@code values}, or the default; fails when neither exists or the value is bad. */
    public T get(Map<String, String> values) {
        return find(values).orElseGet(() -> {
            if (defaultValue == null) {
                throw ConfigException.missing(name, doc);
            }
            return defaultValue;
        });
    }

    /** The value in {@code values}, or the default, or empty when neither exists. */
    public Optional<T> find(Map<String, String> values) {
        String text = values.get(name);
        if (text == null || text.isBlank()) {
            return Optional.ofNullable(defaultValue);
        }
        T value = parser.parse(name, text);
        if (!valid.test(value)) {
            // A key marked secret by its setting, not only by its name, must not show up in the message either.
            throw ConfigException.badValue(name, isSecret() ? Secrets.MASK : text, requirement);
        }
        return Optional.of(value);
    }

    /**
     * The value in {@code values} only when it is set there (no default): for keys whose default depends on
     * the component reading them.
     */
    public Optional<T> ifSet(Map<String, String> values) {
        String text = values.get(name);
        return text == null || text.isBlank() ? Optional.empty() : find(values);
    }

    /** The value in {@code settings}, or the default. */
    public T get(Settings settings) {
        return get(settings.asMap());
    }

    /** The dotted lower-case key. */
    public String name() {
        return name;
    }

    /** What kind of value it takes ({@code int}, {@code duration}, an enum's name). */
    public String type() {
        return type;
    }

    /** The default as it would be written in a settings file, or described in words; empty when there is none. */
    public String defaultText() {
        return defaultText.startsWith(DESCRIBED) ? defaultText.substring(1) : defaultText;
    }

    /** Whether {@link #defaultText()} describes the default in words rather than stating a value. */
    public boolean isDefaultDescribed() {
        return defaultText.startsWith(DESCRIBED);
    }

    /** The default value, if any. */
    public Optional<T> defaultValue() {
        return Optional.ofNullable(defaultValue);
    }

    /** What it means. */
    public String doc() {
        return doc;
    }

    /** Whether this names a family of keys under {@link #prefix()} rather than one key. */
    public boolean isFamily() {
        return open;
    }

    /** {@code name + "."}: the prefix of a family's keys. */
    public String prefix() {
        return name + ".";
    }

    /** The name as documented: {@code judge.format.<name>} for a family. */
    public String displayName() {
        return open ? name + ".<name>" : name;
    }

    /** Whether values are masked when printed. */
    public boolean isSecret() {
        return secret || Secrets.isSecret(name);
    }

    @Override
    public String toString() {
        return name;
    }
}
