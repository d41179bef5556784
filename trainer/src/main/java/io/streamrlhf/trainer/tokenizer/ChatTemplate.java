package io.streamrlhf.trainer.tokenizer;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.InterpretException;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.objects.date.StrftimeFormatter;
import com.hubspot.jinjava.tree.Node;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jinjava.javax.el.CompositeELResolver;

/**
 * A Hugging Face chat template ({@code chat_template} of {@code tokenizer_config.json}) rendered with Jinjava, so
 * that a conversation becomes the same text as {@code tokenizer.apply_chat_template(messages, tokenize=False)}.
 *
 * <p>Jinjava differs from Python's Jinja2 where chat templates need it; each difference is handled here and
 * checked byte for byte against Jinja2 in {@code ChatTemplateTest}:
 *
 * <ul>
 *   <li>Python slicing ({@code messages[::-1]}, {@code s[1:]}) is a syntax error in Jinjava: a pre-pass rewrites
 *       every slice into a {@code .py_slice(start, stop, step)} call with Python's semantics.
 *   <li>Python string methods ({@code startswith}, {@code endswith}, {@code strip}/{@code lstrip}/{@code rstrip}
 *       with or without characters, {@code split}, {@code upper}, {@code lower}, {@code replace}) resolve to Java's
 *       {@link String} methods or to none; {@link PythonStringMethods} gives them Python's meaning ({@code split}
 *       on a literal separator, not a regular expression).
 *   <li>{@code tojson} in Jinjava is compact; transformers' is Python's {@code json.dumps} ({@code ", "} and
 *       {@code ": "}, key order kept, non-ASCII kept, optional {@code indent}).
 *   <li>{@code raise_exception(message)} and {@code strftime_now(format)}, which transformers adds, exist.
 *   <li>Keyword arguments: Jinjava binds {@code namespace(n=a - 1)} as {@code (n=a) - 1}; the pre-pass
 *       parenthesizes every keyword argument's value.
 *   <li>Printing: Jinjava prints {@code true} and {@code [a, 1]}; every {@code {{ ... }}} goes through
 *       {@link PythonStr} to print {@code True} and {@code ['a', 1]}. A null still prints as nothing (Jinja2
 *       prints {@code None}), since Jinjava cannot tell {@code none} from undefined.
 *   <li>Jinjava interprets template syntax found in a printed value (a user writing <code>{{ 7 * 6 }}</code>
 *       in a message would get it evaluated); that is switched off.
 *   <li>Jinja2's whitespace rules (transformers renders with {@code trim_blocks} and {@code lstrip_blocks}),
 *       dict keys evaluated and maps iterated by key, as Jinja2 does.
 * </ul>
 *
 * <p>Rendering fails with {@link ChatTemplateException} on any template error (including the template's own
 * {@code raise_exception}) instead of returning partial text; a template that does not parse fails when it is
 * created. The template is parsed once; rendering is safe from several threads at once
 * because it is serialised: Jinjava's parsed nodes are not safe to render from two threads together (seen as
 * "Error rendering tag" under concurrent renders), and one render takes well under a millisecond.
 */
public final class ChatTemplate {

    private static final Pattern TAG = Pattern.compile("\\{\\{.*?}}|\\{%.*?%}", Pattern.DOTALL);

    private final String source;
    private final String rewritten;
    private final Map<String, Object> specialTokens;
    private final Jinjava engine;
    private final Node tree;

    private ChatTemplate(String source, Map<String, String> specialTokens) {
        this.source = source;
        this.rewritten = rewrite(source);
        this.specialTokens = new HashMap<>(specialTokens);
        this.engine = newEngine();
        JinjavaInterpreter parser = engine.newInterpreter();
        JinjavaInterpreter.pushCurrent(parser);
        try {
            this.tree = parser.parse(rewritten);
        } catch (InterpretException e) {
            throw new ChatTemplateException("chat template does not parse: " + e.getMessage());
        } finally {
            JinjavaInterpreter.popCurrent();
        }
        failOnErrors(parser.getErrors(), "chat template does not parse: ");
    }

    /**
     * A template with the special tokens it may refer to ({@code bos_token}, {@code eos_token}, ...; a token that
     * a model lacks is left out, and is then undefined in the template).
     */
    public static ChatTemplate of(String source, Map<String, String> specialTokens) {
        Objects.requireNonNull(source, "source");
        return new ChatTemplate(source, specialTokens);
    }

    /** The template as written in the model's configuration. */
    public String source() {
        return source;
    }

    /**
     * Renders a conversation.
     *
     * @param messages the turns, in order
     * @param addGenerationPrompt whether to end with the opening of an assistant turn
     * @param enableThinking Qwen3's switch for its reasoning block; {@code null} leaves it undefined (the
     *     template's default)
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt, Boolean enableThinking) {
        Map<String, Object> variables = new LinkedHashMap<>();
        List<Map<String, Object>> turns = new ArrayList<>(messages.size());
        for (ChatMessage m : messages) {
            Map<String, Object> turn = new LinkedHashMap<>();
            turn.put("role", m.role());
            turn.put("content", m.content());
            turns.add(turn);
        }
        variables.put("messages", turns);
        variables.put("add_generation_prompt", addGenerationPrompt);
        if (enableThinking != null) {
            variables.put("enable_thinking", enableThinking);
        }
        return render(variables);
    }

    /** Renders with the given variables (plus the special tokens, which the variables may override). */
    public synchronized String render(Map<String, ?> variables) {
        Map<String, Object> bindings = new HashMap<>(specialTokens);
        bindings.putAll(variables);
        // As Jinjava's own renderForResult, but on the tree parsed once instead of parsing the text every time.
        Context context = new Context(
                engine.getGlobalContext(), bindings, engine.getGlobalConfig().getDisabled());
        JinjavaInterpreter interpreter = new JinjavaInterpreter(engine, context, engine.getGlobalConfig());
        JinjavaInterpreter.pushCurrent(interpreter);
        String output;
        try {
            output = interpreter.render(tree);
        } catch (InterpretException e) {
            throw new ChatTemplateException("chat template failed: " + e.getMessage());
        } finally {
            JinjavaInterpreter.popCurrent();
        }
        failOnErrors(interpreter.getErrors(), "chat template failed: ");
        return output;
    }

    private static void failOnErrors(List<TemplateError> found, String prefix) {
        List<String> errors = new ArrayList<>();
        for (TemplateError e : found) {
            if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
                errors.add(describe(e));
            }
        }
        if (!errors.isEmpty()) {
            throw new ChatTemplateException(prefix + String.join("; ", errors));
        }
    }

    private static String describe(TemplateError e) {
        Throwable cause = e.getException();
        while (cause != null && cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        String message = cause instanceof TemplateRaised ? cause.getMessage() : e.getMessage();
        return "line " + e.getLineno() + ": " + message;
    }

    private static Jinjava newEngine() {
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PythonStringMethods());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_WRITE);
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withElResolver(resolver)
                .withFailOnUnknownTokens(false)
                .withNestedInterpretationEnabled(false)
                .withLegacyOverrides(LegacyOverrides.newBuilder()
                        .withEvaluateMapKeys(true)
                        .withIterateOverMapKeys(true)
                        .withUseNaturalOperatorPrecedence(true)
                        .withParseWhitespaceControlStrictly(true)
                        .withAllowAdjacentTextNodes(true)
                        .withUseTrimmingForNotesAndExpressions(true)
                        .withKeepNullableLoopValues(true)
                        .build())
                .build();
        Jinjava jinjava = new Jinjava(config);
        jinjava.getGlobalContext().registerFilter(new ToJsonFilter());
        jinjava.getGlobalContext().registerFilter(new PythonStr());
        jinjava.getGlobalContext()
                .registerFunction(new ELFunctionDefinition(
                        "", "raise_exception", ChatTemplate.class, "raiseException", String.class));
        jinjava.getGlobalContext()
                .registerFunction(
                        new ELFunctionDefinition("", "strftime_now", ChatTemplate.class, "strftimeNow", String.class));
        return jinjava;
    }

    /** {@code raise_exception(message)}: the template refuses its input. */
    public static Object raiseException(String message) {
        throw new TemplateRaised(message);
    }

    /** {@code strftime_now(format)}: the current local time in Python's {@code strftime} format. */
    public static String strftimeNow(String format) {
        return StrftimeFormatter.format(ZonedDateTime.now(), format);
    }

    /** The exception {@code raise_exception} throws, so its message can be told from the engine's own. */
    private static final class TemplateRaised extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TemplateRaised(String message) {
            super(message);
        }
    }

    private static final Pattern PRINT = Pattern.compile("\\{\\{([-+]?)(.*?)([-+]?)}}", Pattern.DOTALL);
    private static final Pattern KEYWORD_ARGUMENT = Pattern.compile("\\s*[A-Za-z_][A-Za-z0-9_]*\\s*=(?!=)");

    /**
     * Rewrites, inside the template's tags (text stays as is), what Jinjava parses or prints differently: slices
     * become {@code py_slice} calls, keyword arguments are parenthesized, and printed values go through
     * {@code py_str}.
     */
    static String rewrite(String template) {
        Matcher m = TAG.matcher(template);
        StringBuilder out = new StringBuilder(template.length());
        int last = 0;
        while (m.find()) {
            out.append(template, last, m.start());
            String tag = m.group();
            Matcher print = PRINT.matcher(tag);
            if (print.matches()) {
                out.append("{{")
                        .append(print.group(1))
                        .append(" (")
                        .append(rewriteExpression(print.group(2)))
                        .append(")|")
                        .append(PythonStr.NAME)
                        .append(' ')
                        .append(print.group(3))
                        .append("}}");
            } else {
                out.append(rewriteExpression(tag));
            }
            last = m.end();
        }
        return out.append(template.substring(last)).toString();
    }

    /**
     * Every {@code x[a:b:c]} subscript becomes {@code x.py_slice(a, b, c)} (an omitted part {@code none}), and
     * every keyword argument {@code name=expr} of a call becomes {@code name=(expr)}: Jinjava binds
     * {@code namespace(n=a - 1)} as {@code (n=a) - 1}.
     */
    static String rewriteExpression(String expression) {
        StringBuilder out = new StringBuilder(expression.length());
        int i = 0;
        int n = expression.length();
        while (i < n) {
            char c = expression.charAt(i);
            if (c == '\'' || c == '"') {
                int end = endOfString(expression, i);
                out.append(expression, i, end);
                i = end;
                continue;
            }
            if (c == '[' && isPostfix(out)) {
                int close = matching(expression, i);
                String inner = expression.substring(i + 1, close);
                List<String> parts = topLevelSplit(inner, ':');
                if (parts.size() > 1 && parts.size() <= 3) {
                    out.append('.').append(PythonStringMethods.SLICE).append('(');
                    for (int p = 0; p < 3; p++) {
                        String part = p < parts.size() ? parts.get(p).strip() : "";
                        out.append(p > 0 ? ", " : "").append(part.isEmpty() ? "none" : rewriteExpression(part));
                    }
                    out.append(')');
                } else {
                    out.append('[').append(rewriteExpression(inner)).append(']');
                }
                i = close + 1;
                continue;
            }
            if (c == '(' && isPostfix(out)) {
                int close = matching(expression, i);
                List<String> arguments = topLevelSplit(expression.substring(i + 1, close), ',');
                out.append('(');
                for (int a = 0; a < arguments.size(); a++) {
                    String argument = arguments.get(a);
                    Matcher keyword = KEYWORD_ARGUMENT.matcher(argument);
                    out.append(a > 0 ? "," : "");
                    if (keyword.lookingAt()) {
                        out.append(keyword.group())
                                .append('(')
                                .append(rewriteExpression(argument.substring(keyword.end())))
                                .append(')');
                    } else {
                        out.append(rewriteExpression(argument));
                    }
                }
                out.append(')');
                i = close + 1;
                continue;
            }
            out.append(c);
            i++;
        }
        return out.toString();
    }

    /** A {@code [} right after a name, a call or a subscript is a subscript; elsewhere it opens a list. */
    private static boolean isPostfix(CharSequence before) {
        int k = before.length() - 1;
        if (k < 0) {
            return false;
        }
        char p = before.charAt(k);
        return Character.isLetterOrDigit(p) || p == '_' || p == ')' || p == ']' || p == '\'' || p == '"';
    }

    private static int endOfString(String s, int open) {
        char quote = s.charAt(open);
        int i = open + 1;
        while (i < s.length() && s.charAt(i) != quote) {
            i += s.charAt(i) == '\\' ? 2 : 1;
        }
        return Math.min(i + 1, s.length());
    }

    private static int matching(String s, int open) {
        int depth = 0;
        int i = open;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '\'' || c == '"') {
                i = endOfString(s, i);
                continue;
            }
            if (c == '[' || c == '(' || c == '{') {
                depth++;
            } else if (c == ']' || c == ')' || c == '}') {
                depth--;
                if (depth == 0) {
                    return i;
                }
            }
            i++;
        }
        throw new ChatTemplateException("unbalanced '[' in chat template expression: " + s);
    }

    private static List<String> topLevelSplit(String s, char separator) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        int from = 0;
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '\'' || c == '"') {
                i = endOfString(s, i);
                continue;
            }
            if (c == '[' || c == '(' || c == '{') {
                depth++;
            } else if (c == ']' || c == ')' || c == '}') {
                depth--;
            } else if (c == separator && depth == 0) {
                parts.add(s.substring(from, i));
                from = i + 1;
            }
            i++;
        }
        parts.add(s.substring(from));
        return parts;
    }

    /** transformers' {@code tojson}: Python's {@code json.dumps} with non-ASCII kept and keys in order. */
    static final class ToJsonFilter implements Filter {

        @Override
        public String getName() {
            return "tojson";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            Integer indent = args.length > 0 && args[0] != null ? Integer.valueOf(args[0]) : null;
            return PythonJson.dumps(var, indent);
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object indent = kwargs.containsKey("indent") ? kwargs.get("indent") : args.length > 0 ? args[0] : null;
            return PythonJson.dumps(var, indent == null ? null : ((Number) indent).intValue());
        }
    }
}
